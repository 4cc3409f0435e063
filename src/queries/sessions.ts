// Session rows (see src/auth/sessions.ts for the model).
import { joinedUserColumns, splitJoinedUser, type Db } from './users.ts';
import type { Session, User } from '../db/schema.ts';

export async function insertSession(
  db: Db,
  values: { id: string; secretHash: string; userId: string; expiresAt: Date; userAgent: string | null; ip: string | null },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: values.id,
      secret_hash: values.secretHash,
      user_id: values.userId,
      expires_at: values.expiresAt,
      user_agent: values.userAgent,
      ip: values.ip,
    })
    .execute();
}

export async function findSessionWithUser(db: Db, id: string): Promise<{ session: Session; user: User } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(joinedUserColumns)
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { own, user } = splitJoinedUser(row);
  return { session: own, user };
}

export async function touchSession(db: Db, id: string, values: { expiresAt: Date; lastSeenAt: Date; ip: string | null }): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ expires_at: values.expiresAt, last_seen_at: values.lastSeenAt, ip: values.ip })
    .where('id', '=', id)
    .execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteUserSessions(db: Db, userId: string, exceptId?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptId) query = query.where('id', '!=', exceptId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteUserSession(db: Db, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export function listUserSessions(db: Db, userId: string): Promise<Session[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', new Date())
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function deleteExpiredSessions(db: Db): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).execute();
}
