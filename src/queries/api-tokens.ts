// API token rows (see src/auth/api-tokens.ts for the model).
import { joinedUserColumns, splitJoinedUser, type Db } from './users.ts';
import { sql } from 'kysely';
import type { ApiToken, TokenScope, User } from '../db/schema.ts';

export async function insertApiToken(db: Db, values: { id: string; secretHash: string; userId: string; name: string; scopes: TokenScope[] }): Promise<ApiToken> {
  return db
    .insertInto('api_tokens')
    .values({
      id: values.id,
      secret_hash: values.secretHash,
      user_id: values.userId,
      name: values.name,
      scopes: sql<TokenScope[]>`string_to_array(${values.scopes.join(',')}, ',')::text[]`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findActiveApiTokenWithUser(db: Db, id: string): Promise<{ token: ApiToken; user: User } | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select(joinedUserColumns)
    .where('api_tokens.id', '=', id)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { own, user } = splitJoinedUser(row);
  return { token: own, user };
}

export async function touchApiToken(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

export function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

export async function revokeApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
