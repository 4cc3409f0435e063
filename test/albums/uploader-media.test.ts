// Media for uploaders: the files of items in albums granted to them (and their own
// uploads) answer; everything else is 404 to them, as if it did not exist.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { absolute, smallThumbRelPath } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { newAlbum, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(backends())('media for uploaders on %s', (backend) => {
  let server: TestServer;
  let granted: Asset;
  let other: Asset;
  let own: Asset;
  let uploaderCookie: string;

  async function withThumb(asset: Asset): Promise<Asset> {
    const path = absolute(server.deps.dataDir.root, smallThumbRelPath(asset.file_hash));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'thumbnail bytes');
    return asset;
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    const uploader = await newUser(db, { role: 'uploader' });
    uploaderCookie = await sessionCookie(db, uploader);
    const a = await newAlbum(db, owner.id);
    const b = await newAlbum(db, owner.id);
    granted = await withThumb(await newAsset(db, { status: 'ready' }));
    other = await withThumb(await newAsset(db, { status: 'ready' }));
    own = await withThumb(await newAsset(db, { status: 'ready', uploaded_by: uploader.id }));
    await db.insertInto('album_assets').values([
      { album_id: a.id, asset_id: granted.id, position: 0 },
      { album_id: b.id, asset_id: other.id, position: 0 },
    ]).execute();
    await setUploaderAlbums(db, uploader.id, [a.id]);
  });
  afterAll(() => server.close());

  const thumb = (asset: Asset, cookie?: string) => server.fetch(`/media/assets/${asset.id}/thumb`, { headers: cookie ? { cookie } : {} });

  it('serves what is in their albums and what they uploaded, nothing else', async () => {
    expect((await thumb(granted, uploaderCookie)).status).toBe(200);
    expect((await thumb(own, uploaderCookie)).status).toBe(200);
    expect((await thumb(other, uploaderCookie)).status).toBe(404);
    expect((await thumb(granted)).status).toBe(401);
  });
});
