// Password attempts under attack, over real HTTP behind a trusted proxy (each request says
// its client address): 100 parallel guesses from one address get 10 checks and 90 refusals
// unchecked; guesses from many addresses slow an account or a link but never lock it (the
// right password still gets in); IPv6 clients count by their /64, IPv4-mapped forms as IPv4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../../src/http/client-ip.ts';
import { newAlbum, newUser, sessionCookie, TEST_PASSWORD } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('address keys', () => {
  it('take IPv4 as it is, IPv4-mapped as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('password attempts', () => {
  let server: TestServer;
  let token: string;
  const LINK_PASSWORD = 'a long link password';

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', config: { trustProxy: true } });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner', email: 'owner@example.com' });
    const album = await newAlbum(db, owner.id);
    const res = await server.fetch(`/api/albums/${album.id}/share`, {
      method: 'POST',
      headers: { cookie: await sessionCookie(db, owner), origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ password: LINK_PASSWORD }),
    });
    token = (await res.json()).link.token;
  });
  afterAll(() => server.close());

  const linkAttempt = (password: string, ip: string) =>
    server.fetch(`/api/share/${token}/auth`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ password }) });
  const login = (password: string, ip: string) =>
    server.fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ email: 'owner@example.com', password }) });

  it('100 parallel wrong passwords from one address: 10 checked, 90 refused unchecked', async () => {
    server.limits.linkPassword.clear();
    const started = Date.now();
    const statuses = (await Promise.all(Array.from({ length: 100 }, (_, i) => linkAttempt(`wrong ${i}`, '198.51.100.7')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(90);
    expect(Date.now() - started).toBeLessThan(20_000);
    server.limits.linkPassword.clear();
  });

  it('a link guessed at from many addresses is slowed, never locked: the right password gets in', async () => {
    server.limits.linkPassword.clear();
    for (let i = 0; i < 12; i++) expect((await linkAttempt(`wrong ${i}`, `198.51.100.${10 + (i % 4)}`)).status).toBe(401);
    const started = Date.now();
    const right = await linkAttempt(LINK_PASSWORD, '192.0.2.50');
    expect(right.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it waited its turn
    server.limits.linkPassword.clear();
  });

  it('the owner is slowed, never locked out, by wrong passwords from anywhere', async () => {
    server.limits.login.clear();
    for (let i = 0; i < 12; i++) expect((await login('wrong password!', `203.0.113.${i % 4}`)).status).toBe(401);
    expect((await login(TEST_PASSWORD, '192.0.2.99')).status).toBe(200);
    server.limits.login.clear();
  });

  it('IPv6 clients count by their /64; IPv4-mapped addresses as IPv4', async () => {
    server.limits.login.clear();
    for (let i = 0; i < 10; i++) expect((await login('wrong password!', `2001:db8:1:2::${i + 1}`)).status).toBe(401);
    expect((await login(TEST_PASSWORD, '2001:db8:1:2:ffff::1')).status).toBe(429);
    expect((await login(TEST_PASSWORD, '2001:db8:1:3::1')).status).toBe(200);
    server.limits.login.clear();
    for (let i = 0; i < 10; i++) expect((await login('wrong password!', '192.0.2.7')).status).toBe(401);
    expect((await login(TEST_PASSWORD, '::ffff:192.0.2.7')).status).toBe(429);
    server.limits.login.clear();
  });
});
