// Guests reach their link's album and nothing else. Guests of two links on two albums, a
// revoked link, an expired link, and a password link without and with its cookie call
// every route the app registers (each id, and the live grid's ?ids=, filled with every
// album, asset and link id we have) and every media URL any link could hand out: zero leaks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '../../src/db/schema.ts';
import { absolute, derivedRelPaths } from '../../src/storage/layout.ts';
import { createApp } from '../../src/app.ts';
import { createSigner } from '../../src/sharing/signatures.ts';
import { backends } from '../helpers/database.ts';
import { newAlbum, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { registeredRoutes } from '../helpers/routes.ts';

interface Guest {
  name: string;
  token: string;
  linkId: string;
  albumId: string;
  cookie?: string;
  /** What the guest may see at all: an open link (with its cookie when it has a password). */
  open: boolean;
}

const GUEST_ROUTE = /^\/(s\/|api\/share\/:token$|api\/share\/:token\/(auth|upload|downloads|status|assets\/:id)$|media\/)/;
// Routes that take asset ids in the query (the live grid's): asked for every id we have too.
const IDS_QUERY = /\/(placed-tiles|status)$/;

describe.each(backends())('guest isolation on %s', (backend) => {
  let server: TestServer;
  let guests: Guest[];
  const ids: Record<string, string> = {};
  const secrets = ['Album A title', 'Album B title'];

  /** Real files where the asset's original and derived files belong (any bytes do; the row says their size and CRC). */
  async function withFiles(asset: Asset): Promise<Asset> {
    const root = server.deps.dataDir.root;
    const bytes = Buffer.from(`bytes of ${asset.original_filename}`);
    for (const rel of [asset.storage_path, ...derivedRelPaths(asset.file_hash)]) {
      mkdirSync(dirname(absolute(root, rel)), { recursive: true });
      writeFileSync(absolute(root, rel), bytes);
    }
    return server.database.db
      .updateTable('assets')
      .set({ file_size: bytes.length, crc32: crc32(bytes), location_patches: [], location_crc32: crc32(bytes), location_check: 'clean' })
      .where('id', '=', asset.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    const cookie = await sessionCookie(db, owner);
    const a = await newAlbum(db, owner.id, { title: secrets[0] });
    const b = await newAlbum(db, owner.id, { title: secrets[1] });
    const assetA = await withFiles(await newAsset(db, { original_filename: 'in-a.jpg', status: 'ready' }));
    const assetB = await withFiles(await newAsset(db, { original_filename: 'in-b.jpg', status: 'ready' }));
    const loose = await withFiles(await newAsset(db, { original_filename: 'in-no-album.jpg', status: 'ready' }));
    await db.insertInto('album_assets').values([
      { album_id: a.id, asset_id: assetA.id, position: 0 },
      { album_id: b.id, asset_id: assetB.id, position: 0 },
    ]).execute();
    Object.assign(ids, { albumA: a.id, albumB: b.id, assetA: assetA.id, assetB: assetB.id, loose: loose.id, owner: owner.id });

    const share = async (albumId: string, settings: Record<string, unknown>) => {
      const res = await server.fetch(`/api/albums/${albumId}/share`, {
        method: 'POST',
        headers: { cookie, origin: server.url, 'content-type': 'application/json' },
        body: JSON.stringify({ showMetadata: true, ...settings }),
      });
      expect(res.status).toBe(201);
      return (await res.json()).link as { id: string; token: string };
    };
    const la = await share(a.id, {});
    const lb = await share(b.id, {});
    const revoked = await share(a.id, {});
    const expired = await share(a.id, { expiresAt: new Date(Date.now() + 500).toISOString() });
    const locked = await share(a.id, { password: 'correct horse battery' });
    await server.fetch(`/api/share/${revoked.token}`, { method: 'DELETE', headers: { cookie, origin: server.url } });
    const auth = await server.fetch(`/api/share/${locked.token}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'correct horse battery' }),
    });
    const lockedCookie = auth.headers.get('set-cookie')!.split(';')[0]!;
    await new Promise((r) => setTimeout(r, 600)); // `expired` has expired now
    for (const l of [la, lb, revoked, expired, locked]) ids[`link:${l.id}`] = l.id;
    guests = [
      { name: 'guest of A', token: la.token, linkId: la.id, albumId: a.id, open: true },
      { name: 'guest of B', token: lb.token, linkId: lb.id, albumId: b.id, open: true },
      { name: 'revoked', token: revoked.token, linkId: revoked.id, albumId: a.id, open: false },
      { name: 'expired', token: expired.token, linkId: expired.id, albumId: a.id, open: false },
      { name: 'password, no cookie', token: locked.token, linkId: locked.id, albumId: a.id, open: false },
      { name: 'password, cookie', token: locked.token, linkId: locked.id, albumId: a.id, cookie: lockedCookie, open: true },
    ];
  });
  afterAll(() => server.close());

  const othersSecret = (g: Guest) => (g.albumId === ids.albumA ? secrets[1]! : secrets[0]!);
  const otherAsset = (g: Guest) => (g.albumId === ids.albumA ? ids.assetB! : ids.assetA!);
  const ownAsset = (g: Guest) => (g.albumId === ids.albumA ? ids.assetA! : ids.assetB!);

  it('every route, every id: owner routes refuse, guest routes answer only for the own open link and album', async () => {
    const routes = registeredRoutes(createApp(server.deps));
    const fillers = Object.values(ids);
    let calls = 0;
    for (const g of guests) {
      for (const { method, path } of routes) {
        if (path.startsWith('/static/') || path === '/healthz' || path.startsWith('/media/')) continue;
        for (const id of path.includes(':id') || IDS_QUERY.test(path) ? fillers : [ids.albumA!]) {
          const url =
            path
              .replace(':token', g.token)
              .replace(/:id/g, id)
              .replace(/:variant\{[^}]+\}/, 'thumb')
              .replace(/:[A-Za-z]+/g, id) + (IDS_QUERY.test(path) ? `?ids=${id}` : '');
          const headers: Record<string, string> = { origin: server.url };
          if (g.cookie) headers.cookie = g.cookie;
          const hasBody = !['GET', 'HEAD'].includes(method);
          if (hasBody) headers['content-type'] = 'application/json';
          const res = await server.fetch(url, { method, headers, body: hasBody ? '{}' : undefined });
          const body = await res.text();
          calls++;
          const key = `${g.name}: ${method} ${url}`;
          expect(body, key).not.toContain(othersSecret(g));
          expect(body, key).not.toContain(otherAsset(g));
          expect(body, key).not.toContain('in-no-album.jpg');
          if (!GUEST_ROUTE.test(path)) {
            // Sign-in and first-run pages are public forms: they answer, and tell nothing of albums.
            if (!['/login', '/setup'].includes(path)) expect(res.status >= 200 && res.status < 300, `${key} → ${res.status}`).toBe(false);
            continue;
          }
          if (!g.open && res.status >= 200 && res.status < 300) {
            // A closed link answers nothing but its own gate (and the password check).
            expect(path === '/api/share/:token/auth' && method === 'POST', key).toBe(true);
          }
          if (path === '/api/share/:token/assets/:id' && res.status === 200) expect(id, key).toBe(g.albumId === ids.albumA ? ids.assetA : ids.assetB);
          // The live grid's routes name an asset only when it is in the link's album.
          if (IDS_QUERY.test(path) && g.open && id !== ownAsset(g)) expect(body, key).not.toContain(id);
          if (IDS_QUERY.test(path) && g.open && id === ownAsset(g)) expect(body, key).toContain(id);
        }
      }
    }
    expect(calls).toBeGreaterThan(200);
  });

  it('every media URL any link could hand out: bytes only for an open link and an asset in its album', async () => {
    const signer = createSigner(server.deps.secretKey);
    for (const g of guests) {
      for (const asset of [ids.assetA!, ids.assetB!, ids.loose!]) {
        for (const variant of ['thumb', 'preview', 'original']) {
          const url = signer.signMedia(asset, variant, g.linkId);
          const res = await server.fetch(url, { headers: g.cookie ? { cookie: g.cookie } : {} });
          await res.arrayBuffer();
          const inAlbum = (g.albumId === ids.albumA && asset === ids.assetA) || (g.albumId === ids.albumB && asset === ids.assetB);
          const key = `${g.name}: ${variant} of ${asset === ids.loose ? 'a loose asset' : asset === ids.assetA ? 'A' : 'B'} → ${res.status}`;
          if (g.open && inAlbum) expect(res.status, key).toBe(200);
          else expect(res.status, key).toBeGreaterThanOrEqual(400);
        }
      }
    }
  });
});
