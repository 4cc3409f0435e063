// Who is asking: a Bearer API token, or the session cookie. Then what they may do, from
// the access table: anonymous → 401 (API) or the login page; uploader on an owner route → 403.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import type { TokenScope, User } from '../db/schema.ts';
import { validateApiToken } from '../auth/api-tokens.ts';
import { SESSION_LIFETIME_MS, validateSessionToken } from '../auth/sessions.ts';
import { ownerExists } from '../queries/users.ts';
import { accessFor, tokenScopeFor } from './access.ts';
import { clientIp, isHttps } from './client-ip.ts';
import type { AppEnv } from './env.ts';
import { httpError, isApiPath } from './errors.tsx';

export const SESSION_COOKIE = 'shoebox_session';

export interface Auth {
  user: User;
  via: 'session' | 'token';
  sessionId?: string;
  /** A token's scopes (a session may do everything its user may). */
  scopes?: TokenScope[];
  /** The bearer token's id, when `via` is 'token'. */
  tokenId?: string;
}

export function setSessionCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isHttps(c),
    maxAge: Math.floor(SESSION_LIFETIME_MS / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const db = c.get('deps').database.db;
    const authorization = c.req.header('authorization');
    if (authorization && isApiPath(c.req.path)) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization);
      const found = m ? await validateApiToken(db, m[1]!) : undefined;
      if (!found) throw httpError(401, 'invalid or revoked API token');
      c.set('auth', { user: found.user, via: 'token', scopes: found.token.scopes, tokenId: found.token.id });
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const valid = await validateSessionToken(db, token, clientIp(c));
      if (valid) {
        c.set('auth', { user: valid.user, via: 'session', sessionId: valid.session.id });
        if (valid.refreshed) setSessionCookie(c, token);
      } else {
        clearSessionCookie(c);
      }
    }
    return next();
  };
}

export function authorize(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // No route answers this path: let it fall through to the 404, for everyone alike.
    if (!matchedRoutes(c).some((r) => r.method !== 'ALL')) return next();
    const access = accessFor(c.req.method, c.req.path);
    if (access === 'public') return next();
    const auth = c.get('auth');
    if (!auth) {
      if (isApiPath(c.req.path)) throw httpError(401, 'sign in required');
      const wanted = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
      return c.redirect(`/login?next=${encodeURIComponent(wanted)}`, 302);
    }
    if (access === 'owner' && auth.user.role !== 'owner') throw httpError(403, 'only the owner can do that');
    if (auth.via === 'token') {
      const needs = tokenScopeFor(c.req.path);
      if (needs === 'session') throw httpError(403, 'API tokens cannot do this (make or revoke tokens, change a password): sign in to do that');
      if (!auth.scopes?.includes(needs)) throw httpError(403, `this API token's scopes do not include "${needs}"`);
    }
    return next();
  };
}

/** While no owner exists, every page leads to /setup. Once one exists the answer is cached. */
export function firstRunRedirect(): MiddlewareHandler<AppEnv> {
  let ownerKnown = false;
  return async (c, next) => {
    const path = c.req.path;
    if (ownerKnown || isApiPath(path) || path === '/setup' || path === '/healthz' || path.startsWith('/static/')) return next();
    if (await ownerExists(c.get('deps').database.db)) {
      ownerKnown = true;
      return next();
    }
    return c.redirect('/setup', 302);
  };
}

/** The signed-in user; routes behind authorize() may rely on it. */
export function currentUser(c: Context<AppEnv>): User {
  const auth = c.get('auth');
  if (!auth) throw httpError(401, 'sign in required');
  return auth.user;
}
