// Account operations shared by the pages, the JSON API and the CLI.
import * as v from 'valibot';
import type { User, UserRole } from '../db/schema.ts';
import { deleteUserSessions } from '../queries/sessions.ts';
import { findUserByEmail, insertUser, ownerExists, updatePasswordHash, type Db } from '../queries/users.ts';
import { Email } from '../http/validate.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyAgainstNothing, verifyPassword } from './passwords.ts';

export const Password = v.pipe(
  v.string('password is required'),
  v.minLength(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`),
  v.maxLength(1024, 'password is too long'),
);

export const Credentials = v.object({ email: Email, password: Password });

/** Login input: any non-empty password (the length rule is for new passwords only). */
export const LoginInput = v.object({
  email: v.pipe(v.string('email is required'), v.trim(), v.nonEmpty('email is required'), v.maxLength(254)),
  password: v.pipe(v.string('password is required'), v.nonEmpty('password is required'), v.maxLength(1024)),
});

export class AccountError extends Error {}

/** The public shape of a user: never the password hash. */
export function publicUser(user: User) {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.created_at.toISOString() };
}

async function createUser(db: Db, email: string, password: string, role: UserRole): Promise<User> {
  if (role === 'owner' && (await ownerExists(db))) throw new AccountError('an owner already exists; there is only one');
  const user = await insertUser(db, { email, passwordHash: await hashPassword(password), role });
  if (!user) {
    if (role === 'owner' && (await ownerExists(db))) throw new AccountError('an owner already exists; there is only one');
    throw new AccountError(`an account with the email ${email} already exists`);
  }
  return user;
}

export const createOwner = (db: Db, email: string, password: string) => createUser(db, email, password, 'owner');
export const createUploader = (db: Db, email: string, password: string) => createUser(db, email, password, 'uploader');

/** Sets a new password and ends every session of that user. */
export async function resetPassword(db: Db, email: string, password: string): Promise<User> {
  const user = await findUserByEmail(db, email);
  if (!user) throw new AccountError(`no account with the email ${email}`);
  await updatePasswordHash(db, user.id, await hashPassword(password));
  await deleteUserSessions(db, user.id);
  return user;
}

export const PasswordChange = v.object({
  currentPassword: v.pipe(v.string('the current password is required'), v.nonEmpty('the current password is required'), v.maxLength(1024)),
  newPassword: v.pipe(
    v.string('a new password is required'),
    v.minLength(MIN_PASSWORD_LENGTH, `the new password must be at least ${MIN_PASSWORD_LENGTH} characters`),
    v.maxLength(1024, 'the new password is too long'),
  ),
});

/** Sets a signed-in user's new password (the current one checked by the caller) and ends their other sessions; how many were ended. */
export async function changePassword(db: Db, userId: string, password: string, keepSessionId: string | undefined): Promise<number> {
  await updatePasswordHash(db, userId, await hashPassword(password));
  return deleteUserSessions(db, userId, keepSessionId);
}

/** The user when email and password match; the same slow "no" otherwise. */
export async function checkCredentials(db: Db, email: string, password: string): Promise<User | undefined> {
  const user = await findUserByEmail(db, email);
  if (!user) return verifyAgainstNothing(password).then(() => undefined);
  return (await verifyPassword(user.password_hash, password)) ? user : undefined;
}
