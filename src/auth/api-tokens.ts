// API tokens for scripts: "sbx_<id>_<secret>", shown once. Only the SHA-256 of the secret
// is stored; a revoked token fails on its next request (every request reads the row).
// Scopes: 'api' (the owner's API, but never managing tokens: only a session does that, so
// a leaked token cannot mint itself successors) and 'metrics' (GET /metrics only).
import type { ApiToken, TokenScope, User } from '../db/schema.ts';
import { findActiveApiTokenWithUser, insertApiToken, touchApiToken } from '../queries/api-tokens.ts';
import type { Db } from '../queries/users.ts';
import { formatApiToken, hashSecret, newTokenParts, parseApiToken, secretMatches } from './secrets.ts';

const TOUCH_AFTER_MS = 60 * 1000;

export async function createApiToken(db: Db, userId: string, name: string, scopes: TokenScope[] = ['api']): Promise<{ token: string; row: ApiToken }> {
  const parts = newTokenParts();
  const row = await insertApiToken(db, { id: parts.id, secretHash: hashSecret(parts.secret), userId, name, scopes: [...new Set(scopes)] });
  return { token: formatApiToken(parts), row };
}

export async function validateApiToken(db: Db, token: string, now = new Date()): Promise<{ token: ApiToken; user: User } | undefined> {
  const parts = parseApiToken(token);
  if (!parts) return undefined;
  const found = await findActiveApiTokenWithUser(db, parts.id);
  if (!found || !secretMatches(parts.secret, found.token.secret_hash)) return undefined;
  const last = found.token.last_used_at?.getTime() ?? 0;
  if (now.getTime() - last > TOUCH_AFTER_MS) await touchApiToken(db, found.token.id, now);
  return found;
}
