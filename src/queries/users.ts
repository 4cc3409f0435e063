// Users: the owner and uploader accounts.
import type { Kysely } from 'kysely';
import type { DB, User, UserRole } from '../db/schema.ts';

export type Db = Kysely<DB>;

/** Columns to select from `users` when joined to a row that belongs to a user. */
export const joinedUserColumns = ['users.email', 'users.password_hash', 'users.role', 'users.created_at as user_created_at'] as const;

/** Splits a row joined with joinedUserColumns into the row itself and its user. */
export function splitJoinedUser<R extends { user_id: string; email: string; password_hash: string; role: UserRole; user_created_at: Date }>(
  row: R,
): { own: Omit<R, 'email' | 'password_hash' | 'role' | 'user_created_at'>; user: User } {
  const { email, password_hash, role, user_created_at, ...own } = row;
  return { own, user: { id: row.user_id, email, password_hash, role, created_at: user_created_at } };
}

export function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
}

export function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function ownerExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirst();
  return row !== undefined;
}

/** Undefined when the email is taken, or when a second owner is asked for. */
export async function insertUser(db: Db, values: { email: string; passwordHash: string; role: UserRole }): Promise<User | undefined> {
  return db
    .insertInto('users')
    .values({ email: values.email, password_hash: values.passwordHash, role: values.role })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export function listUploaders(db: Db): Promise<User[]> {
  return db.selectFrom('users').selectAll().where('role', '=', 'uploader').orderBy('created_at').execute();
}

export async function deleteUploader(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).where('role', '=', 'uploader').executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export function listUploaderAlbumIds(db: Db, userId: string): Promise<string[]> {
  return db
    .selectFrom('album_uploaders')
    .select('album_id')
    .where('user_id', '=', userId)
    .execute()
    .then((rows) => rows.map((r) => r.album_id));
}

/** Is the asset in an album granted to this uploader? */
export async function uploaderSeesAsset(db: Db, userId: string, assetId: string): Promise<boolean> {
  const row = await db
    .selectFrom('album_assets as aa')
    .innerJoin('album_uploaders as u', 'u.album_id', 'aa.album_id')
    .select('aa.asset_id')
    .where('u.user_id', '=', userId)
    // The asset itself, or the photo whose Live Photo clip it is.
    .where((eb) => eb.or([eb('aa.asset_id', '=', assetId), eb('aa.asset_id', '=', eb.selectFrom('assets').select('live_photo_id').where('id', '=', assetId))]))
    .executeTakeFirst();
  return row !== undefined;
}

export async function isUploaderOfAlbum(db: Db, userId: string, albumId: string): Promise<boolean> {
  const row = await db
    .selectFrom('album_uploaders')
    .select('album_id')
    .where('user_id', '=', userId)
    .where('album_id', '=', albumId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Replaces the uploader's grants with exactly these albums. */
export async function setUploaderAlbums(db: Db, userId: string, albumIds: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('album_uploaders').where('user_id', '=', userId).execute();
    if (albumIds.length) {
      await trx
        .insertInto('album_uploaders')
        .values(albumIds.map((album_id) => ({ album_id, user_id: userId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
}
