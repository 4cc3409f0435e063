// Builders for test data, written through the same queries the app uses.
import { randomBytes } from 'node:crypto';
import type { Album, Asset, User, UserRole } from '../../src/db/schema.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createSession } from '../../src/auth/sessions.ts';
import { createApiToken } from '../../src/auth/api-tokens.ts';
import { insertUser, type Db } from '../../src/queries/users.ts';
import { SESSION_COOKIE } from '../../src/http/auth.ts';

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export async function newUser(db: Db, values: { role?: UserRole; email?: string } = {}): Promise<User> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const user = await insertUser(db, {
    email: values.email ?? `user-${randomBytes(4).toString('hex')}@example.com`,
    passwordHash: await passwordHash,
    role: values.role ?? 'owner',
  });
  if (!user) throw new Error('newUser: email taken or second owner');
  return user;
}

/** A Cookie header value for a fresh session of this user. */
export async function sessionCookie(db: Db, user: User): Promise<string> {
  const { token } = await createSession(db, user.id, { userAgent: 'vitest', ip: '127.0.0.1' });
  return `${SESSION_COOKIE}=${token}`;
}

export async function bearerToken(db: Db, user: User, name = 'test'): Promise<string> {
  return (await createApiToken(db, user.id, name)).token;
}

export async function newAlbum(db: Db, ownerId: string, values: { title?: string; description?: string } = {}): Promise<Album> {
  return db
    .insertInto('albums')
    .values({ title: values.title ?? 'Holiday', description: values.description ?? '', owner_id: ownerId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function newAsset(db: Db, values: Partial<Asset> = {}): Promise<Asset> {
  const hash = values.file_hash ?? randomBytes(32).toString('hex');
  return db
    .insertInto('assets')
    .values({
      original_filename: values.original_filename ?? 'IMG_0001.JPG',
      file_hash: hash,
      file_size: values.file_size ?? 1234,
      crc32: values.crc32,
      format: values.format,
      mime_type: values.mime_type ?? 'image/jpeg',
      width: values.width ?? 4032,
      height: values.height ?? 3024,
      taken_at: values.taken_at ?? new Date('2024-07-13T10:00:00Z'),
      storage_path: values.storage_path ?? `originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.jpg`,
      metadata: values.metadata ?? {},
      is_video: values.is_video ?? values.kind === 'video',
      kind: values.kind ?? (values.is_video ? 'video' : 'photo'),
      status: values.status,
      duration_seconds: values.duration_seconds ?? null,
      taken_at_local: values.taken_at_local ?? null,
      thumbhash: values.thumbhash ?? null,
      processing_error: values.processing_error ?? null,
      created_at: values.created_at,
      uploaded_by: values.uploaded_by ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
