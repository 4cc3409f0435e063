// Guests and uploaders upload into their album, nothing more, even with bytes the library
// already holds: such an upload becomes their own entry in that album (their file name,
// their name on it), never brings an item back from the trash into the owner's other
// albums, never changes the owner's asset; and `check` tells an uploader only what they
// can see.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { pythonZip } from '../downloads/zip-readers.ts';

const X = 'jpeg/orientation/landscape_2.jpg';
const Y = 'jpeg/orientation/landscape_3.jpg';
const Z = 'jpeg/orientation/landscape_4.jpg';
const sha256 = (path: string) => createHash('sha256').update(readFileSync(fixture(path))).digest('hex');

describe.skipIf(!HAS_FIXTURES).each(backends())('library boundaries on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;
  let uploaderCookie: string;
  const api = jsonCaller(() => server, () => cookie);
  const db = () => server.database.db;

  const upload = (path: string, name: string, o: { albumId?: string; cookie?: string; token?: string; guest?: string } = {}) => {
    const form = new FormData();
    if (o.albumId) form.set('albumId', o.albumId);
    if (o.guest) form.set('name', o.guest);
    form.append('file', new Blob([readFileSync(fixture(path))]), name);
    const url = o.token ? `/api/share/${o.token}/upload` : '/api/assets/upload';
    return server.fetch(url, { method: 'POST', headers: { origin: server.url, ...(o.cookie ? { cookie: o.cookie } : {}) }, body: form });
  };
  const albumsOf = async (assetId: string) => (await db().selectFrom('album_assets').select('album_id').where('asset_id', '=', assetId).execute()).map((r) => r.album_id).sort();

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await newUser(db(), { role: 'owner' });
    cookie = await sessionCookie(db(), owner);
    const uploader = await newUser(db(), { role: 'uploader' });
    uploaderCookie = await sessionCookie(db(), uploader);
    const shared = (await expectJson(await api('POST', '/api/albums', { title: 'Shared' }), 201)).album.id;
    const granted = (await expectJson(await api('POST', '/api/albums', { title: 'Granted' }), 201)).album.id;
    await setUploaderAlbums(db(), uploader.id, [granted]);
    Object.assign(ids, { shared, granted, uploader: uploader.id });
  });
  afterAll(() => server.close());
  const ids: Record<string, string> = {};

  it("a guest sending bytes the owner trashed gets an entry in the link's album alone, under the guest's names", async () => {
    const privateAlbum = (await expectJson(await api('POST', '/api/albums', { title: 'Private' }), 201)).album.id;
    const stored = (await expectJson(await upload(X, 'owner-name.jpg', { albumId: privateAlbum, cookie }), 201)).assets[0].id;
    await expectJson(await api('POST', '/api/assets/delete', { ids: [stored] }), 200);
    const link = (await expectJson(await api('POST', `/api/albums/${ids.shared}/share`, { allowUpload: true, stripLocation: false }), 201)).link;

    const res = await expectJson(await upload(X, 'from-the-party.jpg', { token: link.token, guest: 'Ben' }), 201);
    expect(res.assets[0]).toMatchObject({ id: stored, status: 'created', originalFilename: 'from-the-party.jpg' });
    expect(await albumsOf(stored)).toEqual([ids.shared]); // not back in the private album
    const entry = await db().selectFrom('album_assets').selectAll().where('asset_id', '=', stored).executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ added_by_link: link.id, added_by_name: 'Ben', entry_filename: 'from-the-party.jpg' });
    const asset = await db().selectFrom('assets').select(['original_filename', 'uploaded_by', 'deleted_at']).where('id', '=', stored).executeTakeFirstOrThrow();
    expect(asset).toEqual({ original_filename: 'owner-name.jpg', uploaded_by: owner.id, deleted_at: null });
    expect(await db().selectFrom('trashed_album_assets').select('album_id').where('asset_id', '=', stored).execute()).toEqual([]);

    // What guests get of it carries the guest's file name: the JSON and the ZIP.
    const shared = await expectJson(await server.fetch(`/api/share/${link.token}`), 200);
    expect(shared.assets.find((a: { id: string }) => a.id === stored).originalFilename).toBe('from-the-party.jpg');
    const zip = join(tempDir('sbx-bound-'), 'shared.zip');
    writeFileSync(zip, Buffer.from(await (await server.fetch(`/s/${link.token}/download.zip`)).arrayBuffer()));
    expect(pythonZip(zip).map((e) => e.name)).toContain('Shared/from-the-party.jpg');

    // Sent again: now it is in this album, which the guest sees.
    const again = await expectJson(await upload(X, 'again.jpg', { token: link.token, guest: 'Ben' }), 200);
    expect(again.assets[0].status).toBe('duplicate');
  });

  it("an uploader sending bytes of the owner's private album gets an entry in their album; the owner's album and asset stay as they were", async () => {
    const privateAlbum = (await expectJson(await api('POST', '/api/albums', { title: 'Private too' }), 201)).album.id;
    const stored = (await expectJson(await upload(Y, 'owners.jpg', { albumId: privateAlbum, cookie }), 201)).assets[0].id;
    await expectJson(await upload(Z, 'only-mine.jpg', { albumId: privateAlbum, cookie }), 201);

    // check: only what the uploader can see.
    const check = (hashes: string[]) => server.fetch('/api/assets/check', { method: 'POST', headers: { cookie: uploaderCookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ hashes }) });
    expect((await expectJson(await check([sha256(Y), sha256(Z)]), 200)).existing).toEqual([]);

    const res = await expectJson(await upload(Y, 'aunts-copy.jpg', { albumId: ids.granted, cookie: uploaderCookie }), 201);
    expect(res.assets[0]).toMatchObject({ id: stored, status: 'created' });
    expect(await albumsOf(stored)).toEqual([ids.granted, privateAlbum].sort());
    const entry = await db().selectFrom('album_assets').selectAll().where('asset_id', '=', stored).where('album_id', '=', ids.granted!).executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ added_by_user: ids.uploader, entry_filename: 'aunts-copy.jpg', added_by_link: null });
    const asset = await db().selectFrom('assets').select(['original_filename', 'uploaded_by']).where('id', '=', stored).executeTakeFirstOrThrow();
    expect(asset).toEqual({ original_filename: 'owners.jpg', uploaded_by: owner.id });

    // Now the uploader can see Y (in their album), still not Z.
    expect((await expectJson(await check([sha256(Y), sha256(Z)]), 200)).existing).toEqual([{ hash: sha256(Y), id: stored }]);
    expect((await expectJson(await upload(Y, 'again.jpg', { albumId: ids.granted, cookie: uploaderCookie }), 200)).assets[0].status).toBe('duplicate');
    // The owner's check answers for the whole library.
    expect((await expectJson(await api('POST', '/api/assets/check', { hashes: [sha256(Z)] }), 200)).existing).toHaveLength(1);
  });
});
