// Whether an error means the database is not there (down, restarting, unreachable) rather
// than that a query was wrong: such a request is answered 503 with Retry-After, and the
// pool connects again by itself once the database is back.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE',
  // postgres.js
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  // Postgres: shutting down, crashed, starting up (class 08 is "connection exception")
  '57P01', '57P02', '57P03',
]);

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return isDatabaseUnavailable((err as { cause?: unknown }).cause, depth + 1);
}
