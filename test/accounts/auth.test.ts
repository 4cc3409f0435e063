import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommands } from '../../src/admin/commands.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newAlbum, newUser, sessionCookie, TEST_PASSWORD } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function cookieFrom(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('shoebox_session='));
  if (!set) throw new Error('no session cookie set');
  return set.split(';')[0]!;
}

describe.each(backends())('first run and sign-in on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server.close());

  it('redirects every page to /setup until an owner exists, then /setup is gone', async () => {
    for (const path of ['/', '/login', '/settings', '/no/such/page']) {
      const res = await server.fetch(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe('/setup');
    }
    expect((await server.fetch('/api/me')).status).toBe(401);
    expect((await server.fetch('/healthz')).status).toBe(200);
    expect((await server.fetch('/setup')).status).toBe(200);

    const weak = await server.fetch('/api/setup', json({ email: 'owner@example.com', password: 'short' }));
    expect(weak.status).toBe(400);
    expect((await weak.json()).error).toMatch(/at least 10 characters/);

    const res = await server.fetch('/api/setup', json({ email: 'owner@example.com', password: TEST_PASSWORD }));
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.user).toMatchObject({ email: 'owner@example.com', role: 'owner' });
    expect(JSON.stringify(body)).not.toMatch(/password|argon/i);
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^shoebox_session=[a-z2-7]{16}\.[a-z2-7]{32};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // plain http here

    expect((await server.fetch('/setup')).status).toBe(404);
    expect((await server.fetch('/api/setup', json({ email: 'b@example.com', password: TEST_PASSWORD }))).status).toBe(404);
    const me = await server.fetch('/api/me', { headers: { cookie: cookieFrom(res) } });
    expect(me.status).toBe(200);
    expect((await me.json()).user.email).toBe('owner@example.com');
    const stored = await server.database.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('logs in with the right password, 401 with a wrong one or unknown email, same message', async () => {
    const ok = await server.fetch('/api/auth/login', json({ email: 'OWNER@example.com', password: TEST_PASSWORD }));
    expect(ok.status).toBe(200);
    expect((await ok.json()).user.email).toBe('owner@example.com');
    const wrong = await server.fetch('/api/auth/login', json({ email: 'owner@example.com', password: 'wrong password!' }));
    const unknown = await server.fetch('/api/auth/login', json({ email: 'nobody@example.com', password: 'wrong password!' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('malformed JSON and wrong content types get a 400/415 that says what was wrong', async () => {
    const bad = await server.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/malformed JSON/);
    const missing = await server.fetch('/api/auth/login', json({ email: 'a@example.com' }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/password/);
    const text = await server.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);
  });

  it('the login form keeps the email and shows the same message on a wrong password', async () => {
    const res = await server.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'owner@example.com', password: 'nope nope nope', next: '/settings' }),
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Wrong email or password.');
    expect(html).toContain('value="owner@example.com"');
    const good = await server.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'owner@example.com', password: TEST_PASSWORD, next: '//evil.example/x' }),
    });
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/'); // never off-site
  });

  it('logout ends the session on the server', async () => {
    const login = await server.fetch('/api/auth/login', json({ email: 'owner@example.com', password: TEST_PASSWORD }));
    const cookie = cookieFrom(login);
    const logout = await server.fetch('/api/auth/logout', { method: 'POST', headers: { cookie, origin: server.url } });
    expect(logout.status).toBe(204);
    // The old cookie value, replayed, no longer works.
    expect((await server.fetch('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('11th sign-in attempt in a minute from one IP → 429 with Retry-After', async () => {
    server.limits.login.clear();
    for (let i = 0; i < 10; i++) {
      const res = await server.fetch('/api/auth/login', json({ email: `x${i}@example.com`, password: 'wrong password!' }));
      expect(res.status).toBe(401);
    }
    const res = await server.fetch('/api/auth/login', json({ email: 'owner@example.com', password: TEST_PASSWORD }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.each(backends())('sessions, tokens, roles and CSRF on %s', (backend) => {
  let server: TestServer;
  let ownerCookie: string;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    const owner = await newUser(server.database.db, { role: 'owner', email: 'owner@example.com' });
    ownerCookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());
  const db = () => server.database.db;

  it('an expired session is refused and deleted', async () => {
    const owner = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const cookie = await sessionCookie(db(), owner);
    const id = cookie.split('=')[1]!.split('.')[0]!;
    await db().updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    expect((await server.fetch('/api/me', { headers: { cookie } })).status).toBe(401);
    expect(await db().selectFrom('sessions').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });

  it('a session used after a while slides its expiry forward and resends the cookie', async () => {
    const owner = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const cookie = await sessionCookie(db(), owner);
    const id = cookie.split('=')[1]!.split('.')[0]!;
    const soon = new Date(Date.now() + 24 * 3600 * 1000);
    await db().updateTable('sessions').set({ expires_at: soon, last_seen_at: new Date(Date.now() - 3600 * 1000) }).where('id', '=', id).execute();
    const res = await server.fetch('/api/me', { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('shoebox_session='))).toBe(true);
    const row = await db().selectFrom('sessions').select('expires_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });

  it('a tampered session secret is refused', async () => {
    const tampered = ownerCookie.slice(0, -1) + (ownerCookie.endsWith('a') ? 'b' : 'a');
    expect((await server.fetch('/api/me', { headers: { cookie: tampered } })).status).toBe(401);
  });

  it('API tokens: created once, work as Bearer, record last use, and a revoked one fails at once', async () => {
    const created = await server.fetch('/api/tokens', json({ name: 'import script' }, { cookie: ownerCookie, origin: server.url }));
    expect(created.status).toBe(201);
    const { token, id } = await created.json();
    expect(token).toMatch(/^sbx_[a-z2-7]+_[a-z2-7]+$/);
    const auth = { authorization: `Bearer ${token}` };
    expect((await server.fetch('/api/me', { headers: auth })).status).toBe(200);
    // Bearer requests need no Origin (not cookie-borne).
    const viaToken = await server.fetch('/api/albums', json({ title: 'Made by a script' }, auth));
    expect(viaToken.status).toBe(201);
    const session = { cookie: ownerCookie, origin: server.url };
    const list = await (await server.fetch('/api/tokens', { headers: session })).json();
    const listed = list.tokens.find((t: { id: string }) => t.id === id);
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(token.split('_')[2]);
    expect((await server.fetch(`/api/tokens/${id}`, { method: 'DELETE', headers: session })).status).toBe(204);
    const after = await server.fetch('/api/me', { headers: auth });
    expect(after.status).toBe(401);
    expect((await after.json()).error).toMatch(/revoked/);
  });

  it('an uploader sees only what was granted and gets 403 on owner routes', async () => {
    const owner = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const album = await newAlbum(db(), owner.id, { title: 'Wedding' });
    const created = await server.fetch('/api/users', json({ email: 'aunt@example.com', password: TEST_PASSWORD }, { cookie: ownerCookie, origin: server.url }));
    expect(created.status).toBe(201);
    const { user } = await created.json();
    const grant = await server.fetch(`/api/users/${user.id}/albums`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie: ownerCookie, origin: server.url },
      body: JSON.stringify({ albumIds: [album.id] }),
    });
    expect(grant.status).toBe(200);
    expect((await grant.json()).user.albumIds).toEqual([album.id]);
    const login = await server.fetch('/api/auth/login', json({ email: 'aunt@example.com', password: TEST_PASSWORD }));
    expect(login.status).toBe(200);
    const cookie = cookieFrom(login);
    expect((await (await server.fetch('/api/me', { headers: { cookie } })).json()).user.role).toBe('uploader');
    for (const path of ['/api/tokens', '/api/users', '/api/sessions', '/settings']) {
      expect((await server.fetch(path, { headers: { cookie } })).status, path).toBe(403);
    }
    const duplicate = await server.fetch('/api/users', json({ email: 'AUNT@example.com', password: TEST_PASSWORD }, { cookie: ownerCookie, origin: server.url }));
    expect(duplicate.status).toBe(409);
  });

  it('a password reset ends all of that user\'s sessions', async () => {
    const user = await newUser(db(), { role: 'uploader', email: 'cousin@example.com' });
    const cookie = await sessionCookie(db(), user);
    expect((await server.fetch('/api/me', { headers: { cookie } })).status).toBe(200);
    await adminCommands['reset-password']!(server.deps, { email: 'cousin@example.com', password: 'a brand new password' });
    expect((await server.fetch('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('"sign out everywhere else" keeps only the current session', async () => {
    const owner = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const other = await sessionCookie(db(), owner);
    const res = await server.fetch('/api/sessions/end-others', { method: 'POST', headers: { cookie: ownerCookie, origin: server.url } });
    expect(res.status).toBe(200);
    expect((await server.fetch('/api/me', { headers: { cookie: other } })).status).toBe(401);
    expect((await server.fetch('/api/me', { headers: { cookie: ownerCookie } })).status).toBe(200);
    const page = await server.fetch('/settings', { headers: { cookie: ownerCookie } });
    expect(await page.text()).toContain('This device');
  });

  it('changing one\'s password needs the current one, signs out the other devices and keeps this one', async () => {
    const user = await newUser(db(), { role: 'uploader', email: 'changer@example.com' });
    const here = await sessionCookie(db(), user);
    const phone = await sessionCookie(db(), user);
    const post = (body: unknown, headers: Record<string, string> = { cookie: here, origin: server.url }) => server.fetch('/api/me/password', json(body, headers));
    server.limits.login.clear();

    const wrong = await post({ currentPassword: 'not my password', newPassword: 'a brand new password' });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('The current password is not right.');
    const short = await post({ currentPassword: TEST_PASSWORD, newPassword: 'short' });
    expect(short.status).toBe(400);
    expect((await short.json()).error).toMatch(/new password must be at least 10 characters/);
    // Nothing changed by either.
    expect((await server.fetch('/api/me', { headers: { cookie: phone } })).status).toBe(200);
    // Not with an API token, and not from another site.
    const token = await bearerToken(db(), user);
    expect((await post({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' }, { authorization: `Bearer ${token}` })).status).toBe(403);
    expect((await post({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' }, { cookie: here, origin: 'https://evil.example' })).status).toBe(403);

    const changed = await post({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' });
    expect(changed.status, await changed.clone().text()).toBe(200);
    expect(await changed.json()).toEqual({ sessionsEnded: 1 });
    expect((await server.fetch('/api/me', { headers: { cookie: here } })).status).toBe(200);
    expect((await server.fetch('/api/me', { headers: { cookie: phone } })).status).toBe(401);
    const login = (password: string) => server.fetch('/api/auth/login', json({ email: 'changer@example.com', password }));
    expect((await login(TEST_PASSWORD)).status).toBe(401);
    expect((await login('a brand new password')).status).toBe(200);
  });

  it('the owner changes the password from Settings: a wrong current password says so in the open form, the right one says who was signed out', async () => {
    const me = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const here = await sessionCookie(db(), me);
    const other = await sessionCookie(db(), me);
    server.limits.login.clear();
    const form = (fields: Record<string, string>) =>
      server.fetch('/settings/password', {
        method: 'POST',
        headers: { cookie: here, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
    const page = await (await server.fetch('/settings', { headers: { cookie: here } })).text();
    expect(page).toContain('action="/settings/password"');
    expect(page).toContain('autocomplete="current-password"');

    const wrong = await form({ currentPassword: 'not my password', newPassword: 'another new password' });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('The current password is not right.');
    expect(wrongHtml).toMatch(/<details class="password-change" open/);

    const right = await form({ currentPassword: TEST_PASSWORD, newPassword: 'another new password' });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/Password changed\. \d+ other devices? (was|were) signed out; this one stays signed in\./);
    expect((await server.fetch('/api/me', { headers: { cookie: other } })).status).toBe(401);
    expect((await server.fetch('/settings', { headers: { cookie: here } })).status).toBe(200);
    // Back as it was for the tests after this one: the old session cookie ended with the change.
    ownerCookie = here;
    const back = await form({ currentPassword: 'another new password', newPassword: TEST_PASSWORD });
    expect(back.status).toBe(200);
  });

  it('CSRF: a cross-origin post with a valid cookie is refused, whatever the content type', async () => {
    const evil = { cookie: ownerCookie, origin: 'https://evil.example' };
    const asForm = await server.fetch('/settings/tokens', {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=stolen',
    });
    expect(asForm.status).toBe(403);
    expect((await server.fetch('/api/tokens', json({ name: 'stolen' }, evil))).status).toBe(403);
    const multipart = new FormData();
    multipart.set('name', 'stolen');
    expect((await server.fetch('/settings/tokens', { method: 'POST', headers: evil, body: multipart })).status).toBe(403);
    // No Origin: only same-origin fetch metadata passes.
    expect((await server.fetch('/api/tokens', json({ name: 'x' }, { cookie: ownerCookie }))).status).toBe(403);
    expect((await server.fetch('/api/tokens', json({ name: 'x' }, { cookie: ownerCookie, 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
    expect((await server.fetch('/api/tokens', json({ name: 'ok' }, { cookie: ownerCookie, 'sec-fetch-site': 'same-origin' }))).status).toBe(201);
    expect((await server.fetch('/api/tokens', json({ name: 'ok' }, { cookie: ownerCookie, origin: server.url }))).status).toBe(201);
    const tokens = await db().selectFrom('api_tokens').select('name').execute();
    expect(tokens.map((t) => t.name)).not.toContain('stolen');
  });

  it('CSRF: a made-up bearer token exempts nothing; Sec-Fetch-Site: cross-site is refused even without Origin or cookie', async () => {
    // A form post from another site with the owner's cookie and a junk Authorization header.
    const forged = await server.fetch('/settings/tokens', {
      method: 'POST',
      headers: { cookie: ownerCookie, origin: 'https://evil.example', authorization: 'Bearer sbx_junk_junk', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=stolen-with-junk-bearer',
    });
    expect(forged.status).toBe(403);
    // No Origin, no cookie, but the browser says cross-site: refused (a sign-in form on another site).
    const crossSite = await server.fetch('/api/auth/login', json({ email: 'x@example.com', password: 'whatever it is' }, { 'sec-fetch-site': 'cross-site' }));
    expect(crossSite.status).toBe(403);
    // A valid token from a script: no Origin needed.
    const owner = await db().selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow();
    const token = await bearerToken(db(), owner);
    expect((await server.fetch('/api/albums', json({ title: 'From a script' }, { authorization: `Bearer ${token}` }))).status).toBe(201);
    const tokens = await db().selectFrom('api_tokens').select('name').execute();
    expect(tokens.map((t) => t.name)).not.toContain('stolen-with-junk-bearer');
  });

  it('token scopes: a token cannot make or revoke tokens; a metrics-only token reaches none of the API', async () => {
    const made = await server.fetch('/api/tokens', json({ name: 'script' }, { cookie: ownerCookie, origin: server.url }));
    expect(made.status).toBe(201);
    const script = await made.json();
    expect(script.scopes).toEqual(['api']);
    const bearer = { authorization: `Bearer ${script.token}` };
    expect((await server.fetch('/api/albums', { headers: bearer })).status).toBe(200);
    const minted = await server.fetch('/api/tokens', json({ name: 'successor' }, bearer));
    expect(minted.status).toBe(403);
    expect((await minted.json()).error).toMatch(/sign in/);
    expect((await server.fetch('/api/tokens', { headers: bearer })).status).toBe(403);
    expect((await server.fetch(`/api/tokens/${script.id}`, { method: 'DELETE', headers: bearer })).status).toBe(403);

    const metricsOnly = await (await server.fetch('/api/tokens', json({ name: 'prometheus', scopes: ['metrics'] }, { cookie: ownerCookie, origin: server.url }))).json();
    expect(metricsOnly.scopes).toEqual(['metrics']);
    expect((await server.fetch('/api/albums', { headers: { authorization: `Bearer ${metricsOnly.token}` } })).status).toBe(403);
    expect((await server.fetch('/api/tokens', json({ name: 'x', scopes: ['admin'] }, { cookie: ownerCookie, origin: server.url }))).status).toBe(400);
    const names = (await db().selectFrom('api_tokens').select('name').execute()).map((t) => t.name);
    expect(names).not.toContain('successor');
  });

  it('every response carries the security headers; HSTS only over https', async () => {
    const res = await server.fetch('/login');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-eval|https?:\/\//);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('behind an https proxy', () => {
  it('sets Secure cookies and HSTS, and takes the client IP from X-Forwarded-For only with TRUST_PROXY', async () => {
    const server = await startTestServer({ backend: 'pglite', config: { trustProxy: true } });
    try {
      await newUser(server.database.db, { role: 'owner', email: 'owner@example.com' });
      const res = await server.fetch('/api/auth/login', json({ email: 'owner@example.com', password: TEST_PASSWORD }, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }));
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()[0]).toMatch(/; Secure/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      const session = await server.database.db.selectFrom('sessions').select('ip').executeTakeFirstOrThrow();
      expect(session.ip).toBe('203.0.113.9');
    } finally {
      await server.close();
    }
  });
});
