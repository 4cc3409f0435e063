// Sessions (after Lucia): the cookie holds "<id>.<secret>", 240 random bits in all. The
// database keeps the id and the SHA-256 of the secret; validation looks the row up by id
// and compares hashes in constant time. Expiry slides: a session used within 30 days
// lives on; its row is refreshed at most once a minute so page loads stay read-only.
import type { Session, User } from '../db/schema.ts';
import {
  deleteSession,
  deleteUserSessions,
  findSessionWithUser,
  insertSession,
  touchSession,
} from '../queries/sessions.ts';
import type { Db } from '../queries/users.ts';
import { formatSessionToken, hashSecret, newTokenParts, parseSessionToken, secretMatches } from './secrets.ts';

export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const REFRESH_AFTER_MS = 60 * 1000;

export interface SessionMeta {
  userAgent: string | null;
  ip: string | null;
}

export async function createSession(db: Db, userId: string, meta: SessionMeta, now = new Date()): Promise<{ token: string; expiresAt: Date; id: string }> {
  const parts = newTokenParts();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await insertSession(db, {
    id: parts.id,
    secretHash: hashSecret(parts.secret),
    userId,
    expiresAt,
    userAgent: meta.userAgent?.slice(0, 400) ?? null,
    ip: meta.ip,
  });
  return { token: formatSessionToken(parts), expiresAt, id: parts.id };
}

export interface ValidSession {
  session: Session;
  user: User;
  /** Set when the expiry moved, so the cookie should be sent again. */
  refreshed: boolean;
}

export async function validateSessionToken(db: Db, token: string | undefined, ip: string | null, now = new Date()): Promise<ValidSession | undefined> {
  const parts = parseSessionToken(token);
  if (!parts) return undefined;
  const found = await findSessionWithUser(db, parts.id);
  if (!found || !secretMatches(parts.secret, found.session.secret_hash)) return undefined;
  const { session, user } = found;
  if (session.expires_at.getTime() <= now.getTime()) {
    await deleteSession(db, session.id);
    return undefined;
  }
  if (now.getTime() - session.last_seen_at.getTime() < REFRESH_AFTER_MS) return { session, user, refreshed: false };
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await touchSession(db, session.id, { expiresAt, lastSeenAt: now, ip });
  return { session: { ...session, expires_at: expiresAt, last_seen_at: now, ip }, user, refreshed: true };
}

export const invalidateSession = deleteSession;

/** Ends all of a user's sessions (password reset), or all but one ("sign out everywhere else"). */
export const invalidateUserSessions = deleteUserSessions;
