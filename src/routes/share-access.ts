// How a request through a share link gets in: the link must exist and not be revoked
// (else the same 404 as an unknown token: no oracle), must not have expired (410), and a
// password link needs its cookie before anything of the album answers.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { judgeLink, type LinkState } from '../sharing/link-cache.ts';
import { linkCookieName } from '../sharing/signatures.ts';
import { clientIp, clientKey, isHttps } from '../http/client-ip.ts';
import { verifyPassword } from '../auth/passwords.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError, isApiPath } from '../http/errors.tsx';
import { findAlbum, type AlbumSummary } from '../queries/albums.ts';

const TOKEN = /^[0-9a-f]{64}$/;
const COOKIE_MAX_AGE_S = 30 * 86_400;

export function linkGone(c: Context<AppEnv>) {
  return httpError(404, isApiPath(c.req.path) ? 'no such link' : 'This link does not exist, or it was turned off.');
}

export function linkExpired(c: Context<AppEnv>) {
  return httpError(410, isApiPath(c.req.path) ? 'this link has expired' : 'This link has expired. Ask whoever sent it for a new one.');
}

/** The open link for `token`, or a 404 / 410 thrown. */
export async function openLink(c: Context<AppEnv>, token: string): Promise<LinkState> {
  const state = TOKEN.test(token) ? await c.get('sharing').links.byToken(token) : undefined;
  const verdict = judgeLink(state);
  if (verdict.kind === 'gone') throw linkGone(c);
  if (verdict.kind === 'expired') throw linkExpired(c);
  return verdict.link;
}

/** The link's album as its guests are shown it (its counts without items that failed processing). */
export async function sharedAlbum(c: Context<AppEnv>, link: LinkState): Promise<AlbumSummary> {
  const deps = c.get('deps');
  const album = await findAlbum(deps.database.db, link.albumId, { tz: deps.config.defaultTz, forGuests: true });
  if (!album) throw linkGone(c);
  return album;
}

/** The open link for the request's `:token`, unlocked: a password link without its cookie answers 401 and nothing else. */
export async function unlockedLink(c: Context<AppEnv>): Promise<LinkState> {
  const link = await openLink(c, c.req.param('token') ?? '');
  if (!passwordGranted(c, link)) throw httpError(401, 'password required');
  return link;
}

/** The link has no password, or this browser has shown it (a cookie signed over the current hash). */
export function passwordGranted(c: Context<AppEnv>, link: LinkState): boolean {
  if (!link.passwordHash) return true;
  return c.get('sharing').signer.linkCookieMatches(getCookie(c, linkCookieName(link.id)), link.id, link.passwordHash);
}

export function grantPassword(c: Context<AppEnv>, link: LinkState): void {
  const maxAge = link.expiresAt ? Math.max(1, Math.min(COOKIE_MAX_AGE_S, Math.floor((link.expiresAt.getTime() - Date.now()) / 1000))) : COOKIE_MAX_AGE_S;
  setCookie(c, linkCookieName(link.id), c.get('sharing').signer.linkCookie(link.id, link.passwordHash!), {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge,
  });
}

/** The client IP when signed URLs are bound to it, else '' (not part of the signature). */
export function boundIp(c: Context<AppEnv>): string {
  return c.get('deps').config.signedUrlBindIp ? clientIp(c) : '';
}

/**
 * Checks a link's password: the attempt is counted for the client before the check (10 a
 * minute; past that 429 and no check), and a link that has failed often is checked only
 * after its turn comes (auth/attempt-guard.ts). True when the password is right.
 */
export async function checkLinkPassword(c: Context<AppEnv>, link: LinkState, password: string): Promise<boolean> {
  const attempt = await c.get('limits').linkPassword.enter(clientKey(c), link.id);
  if ('refused' in attempt) {
    const { retryAfter } = attempt.refused;
    c.header('Retry-After', String(retryAfter));
    throw httpError(429, isApiPath(c.req.path) ? 'too many password attempts; try again later' : `Too many password attempts. Try again in ${retryAfter} seconds.`);
  }
  if (await verifyPassword(link.passwordHash!, password)) return true;
  attempt.failed();
  return false;
}
