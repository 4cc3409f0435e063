// The owner's changes to links: create (a 256-bit token, the password hashed), edit,
// turn off and on again (the token stays, so the same URL works again), delete. Each drops the link's cached state, so the next guest request (page,
// JSON or any media URL handed out before) sees the change.
import type { Kysely } from 'kysely';
import { hashPassword } from '../auth/passwords.ts';
import type { DB, SharedLink } from '../db/schema.ts';
import { deleteLink, insertLink, revokeLink, updateLink, type LinkChanges } from '../queries/links.ts';
import type { LinkCache } from './link-cache.ts';
import { DEFAULT_PERMISSIONS, mergePermissions, readPermissions, type LinkEdit, type NewLink } from './link-settings.ts';

function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}

export async function createLink(db: Kysely<DB>, albumId: string, input: NewLink): Promise<SharedLink> {
  return insertLink(db, {
    album_id: albumId,
    token: newToken(),
    label: input.label,
    permissions: { ...mergePermissions(DEFAULT_PERMISSIONS, input) },
    password_hash: input.password ? await hashPassword(input.password) : null,
    expires_at: input.expiresAt ?? null,
  });
}

export async function editLink(db: Kysely<DB>, cache: LinkCache, link: SharedLink, input: LinkEdit): Promise<SharedLink> {
  const changes: LinkChanges = { permissions: { ...mergePermissions(readPermissions(link.permissions), input) } };
  if (input.label !== undefined) changes.label = input.label;
  if (input.password !== undefined) changes.password_hash = input.password === null ? null : await hashPassword(input.password);
  if (input.expiresAt !== undefined) changes.expires_at = input.expiresAt;
  if (input.revoked !== undefined) {
    changes.revoked = input.revoked;
    changes.revoked_at = input.revoked ? (link.revoked_at ?? new Date()) : null;
  }
  const updated = await updateLink(db, link.id, changes);
  cache.drop(link.id);
  return updated ?? link;
}

export async function turnOffLink(db: Kysely<DB>, cache: LinkCache, id: string): Promise<void> {
  await revokeLink(db, id);
  cache.drop(id);
}

export async function removeLink(db: Kysely<DB>, cache: LinkCache, id: string): Promise<void> {
  await deleteLink(db, id);
  cache.drop(id);
}
