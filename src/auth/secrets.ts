// Random tokens of the form "<id><sep><secret>": the id finds the row, only the SHA-256
// of the secret is stored, and the check compares hashes in constant time, so neither a
// database dump nor response timing gives a usable token away.
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

function randomBase32(bytes: number): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = new TextEncoder().encode(hashSecret(secret));
  const b = new TextEncoder().encode(storedHash);
  return a.length === b.length && constantTimeEqual(a, b);
}

export interface SplitToken {
  id: string;
  secret: string;
}

/** A fresh id (80 bits) and secret (160 bits). */
export function newTokenParts(): SplitToken {
  return { id: randomBase32(10), secret: randomBase32(20) };
}

export const SESSION_SEPARATOR = '.';
export const API_TOKEN_PREFIX = 'sbx_';

export const formatSessionToken = (t: SplitToken) => `${t.id}${SESSION_SEPARATOR}${t.secret}`;
export const formatApiToken = (t: SplitToken) => `${API_TOKEN_PREFIX}${t.id}_${t.secret}`;

const base32 = /^[a-z2-7]+$/;

export function parseSessionToken(token: string | undefined): SplitToken | undefined {
  const [id, secret, extra] = (token ?? '').split(SESSION_SEPARATOR);
  return id && secret && extra === undefined && base32.test(id) && base32.test(secret) ? { id, secret } : undefined;
}

export function parseApiToken(token: string | undefined): SplitToken | undefined {
  if (!token?.startsWith(API_TOKEN_PREFIX)) return undefined;
  const [id, secret, extra] = token.slice(API_TOKEN_PREFIX.length).split('_');
  return id && secret && extra === undefined && base32.test(id) && base32.test(secret) ? { id, secret } : undefined;
}
