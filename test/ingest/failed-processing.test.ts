// An item whose processing failed says why in plain words (never the library's message), on
// its tile and in its details; the owner can try again from the details, and once the cause
// is gone (here: the original put back) it is processed.
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/jobs/worker.ts';
import { plainFailure } from '../../src/media/failure-words.ts';
import { uploadFiles } from '../helpers/api.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

describe('plain words for a failure', () => {
  it("turns the libraries' messages into what happened and what is kept", async () => {
    // What sharp really says about the damaged fixtures.
    const said = await sharp(fixture('broken/broken.jpg'), { failOn: 'error' })
      .resize(100)
      .webp()
      .toBuffer()
      .then(
        () => '',
        (err: Error) => err.message,
      );
    expect(said).toMatch(/VipsJpeg/);
    expect(plainFailure(`cannot decode the image: ${said}`)).toBe('This file is damaged: the picture ends early. The original is kept as uploaded.');
    expect(plainFailure('cannot read the image: Input file contains unsupported image format')).toBe(
      'This file is damaged or in a form that cannot be read: no picture could be read from it. The original is kept as uploaded.',
    );
    expect(plainFailure('the original file is missing or unreadable: ENOENT: no such file or directory')).toMatch(/^The original file is missing from storage/);
    expect(plainFailure('this HEIC/HEIF file is 300 MB: files over 256 MB are kept as uploaded, without a preview')).toBe(
      'This HEIC/HEIF file is 300 MB: files over 256 MB are kept as uploaded, without a preview.',
    );
    expect(plainFailure('This video is damaged: no picture could be read from it. The original is kept as uploaded.')).toBe(
      'This video is damaged: no picture could be read from it. The original is kept as uploaded.',
    );
    expect(plainFailure('SQLITE_BUSY or anything else')).toBe('This file could not be processed. The original is kept as uploaded.');
    for (const m of ['VipsJpeg: premature end of JPEG image', 'image is 30000x30000 pixels (900 MP), above the limit of 268 MP; refused as a possible decompression bomb']) {
      expect(plainFailure(m)).not.toMatch(/Vips|bomb/);
    }
  });
});

describe.skipIf(!HAS_FIXTURES)('a failed item, retried by the owner', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let id: string;
  let original: string;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true, config: { workerConcurrency: 1 } });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    headers = { cookie: await sessionCookie(db, owner), origin: server.url };
    const album = await newAlbum(db, owner.id, { title: 'Retry' });
    // Stored, then its original taken away before the worker gets to it.
    await (server.deps.worker as Worker).stop();
    id = (await uploadFiles(server, headers, album.id, [fixture('jpeg/orientation/landscape_1.jpg')])).get('landscape_1.jpg')!;
    const row = await db.selectFrom('assets').select('storage_path').where('id', '=', id).executeTakeFirstOrThrow();
    original = join(server.deps.dataDir.root, row.storage_path);
    renameSync(original, `${original}.away`);
    await (server.deps.worker as Worker).start();
    await server.idle();
  }, 60_000);
  afterAll(() => server?.close());

  it('says why on the tile and in the details, and is processed again when the owner asks', async () => {
    const asset = await (await server.fetch(`/api/assets/${id}`, { headers })).json();
    expect(asset.asset).toMatchObject({ status: 'failed', retryUrl: `/api/assets/${id}/retry` });
    expect(asset.asset.processingError).toMatch(/^The original file is missing from storage or cannot be read\. Put it back from a backup, then try again\.$/);
    const jobs = await (await server.fetch(`/api/assets/${id}/jobs`, { headers })).json();
    expect(jobs.jobs[0].error).toMatch(/ENOENT/); // the technical words stay with the job

    const page = await (await server.fetch(`/albums/${(await server.database.db.selectFrom('album_assets').select('album_id').where('asset_id', '=', id).executeTakeFirstOrThrow()).album_id}`, { headers })).text();
    expect(page).toMatch(/class="badge failed" title="The original file is missing from storage[^"]*">.*Failed<\/span>/s);

    renameSync(`${original}.away`, original);
    const retried = await server.fetch(`/api/assets/${id}/retry`, { method: 'POST', headers });
    expect(retried.status).toBe(200);
    await server.idle();
    const after = await (await server.fetch(`/api/assets/${id}`, { headers })).json();
    expect(after.asset).toMatchObject({ status: 'ready', processingError: null });
    expect(after.asset.retryUrl).toBeUndefined();
    expect(readFileSync(original).length).toBeGreaterThan(0);
  });

  it('is for the owner only', async () => {
    const uploader = await newUser(server.database.db, { role: 'uploader' });
    const res = await server.fetch(`/api/assets/${id}/retry`, { method: 'POST', headers: { cookie: await sessionCookie(server.database.db, uploader), origin: server.url } });
    expect(res.status).toBe(403);
  });
});
