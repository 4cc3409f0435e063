// Resumable uploads (tus 1.0) end to end: real HTTP, real parts on disk under tmp/tus/,
// the same ingest as the multipart upload API, on each database backend.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { repairStorage, scanStorage } from '../../src/storage/fsck.ts';
import { recoverAtStart } from '../../src/storage/recovery.ts';
import { uploadUsageToday } from '../../src/queries/upload-usage.ts';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { tusClient, type TusClient } from '../helpers/tus.ts';
import { fixture } from '../media/fixtures.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const KiB = 1024;

describe.each(backends())('resumable uploads on %s', (backend) => {
  let server: TestServer;
  let owner: TusClient;
  let ownerCookie: string;
  let ownerToken: string;
  const photo = readFileSync(fixture('jpeg/camera/canon-dslr.jpg'));
  const video = readFileSync(fixture('video/mp42-hvc1.mp4'));

  beforeAll(async () => {
    server = await startTestServer({ backend, config: { shareUpload: { maxFileBytes: 4 * 1024 * KiB * KiB, maxFilesPerDay: 100, maxBytesPerDay: Math.ceil(photo.length * 1.5) } } });
    const user = await newUser(server.database.db, { role: 'owner' });
    ownerCookie = await sessionCookie(server.database.db, user);
    ownerToken = await bearerToken(server.database.db, user);
    owner = tusClient(server.url, '/api/uploads', { authorization: `Bearer ${ownerToken}` });
  });
  afterAll(() => server.close());

  const tusDir = () => join(server.deps.dataDir.tmp, 'tus');
  const parts = () => (existsSync(tusDir()) ? readdirSync(tusDir()) : []);
  const storedBytes = async (id: string) => {
    const row = await server.database.db.selectFrom('assets').select('storage_path').where('id', '=', id).executeTakeFirstOrThrow();
    return readFileSync(join(server.deps.dataDir.root, row.storage_path));
  };

  it('takes a file in chunks, ingests it as the upload API does, and keeps nothing in tmp/tus/', async () => {
    const created = await owner.create(video.length, { filename: 'clip.mp4', lastModified: String(Date.UTC(2021, 5, 1)) });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    expect(created.headers.get('upload-expires')).toBeTruthy();
    const last = await owner.finish(location, video, 64 * KiB);
    const { assets } = await expectJson(last, 201);
    expect(assets).toEqual([{ id: expect.any(String), status: 'created', originalFilename: 'clip.mp4' }]);
    expect(sha256(await storedBytes(assets[0].id))).toBe(sha256(video));
    expect(parts()).toEqual([]);
    // Finished: the upload is gone, and the same bytes again are a duplicate.
    expect((await owner.head(location)).status).toBe(404);
    const again = await owner.create(video.length, { filename: 'clip.mp4' }, video);
    expect((await expectJson(again, 201)).assets[0]).toMatchObject({ id: assets[0].id, status: 'duplicate' });
  });

  it('takes a small file whole in the creating request, into an album', async () => {
    const album = await newAlbum(server.database.db, (await server.database.db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow()).id);
    const res = await owner.create(photo.length, { filename: 'photo.jpg', albumId: album.id }, photo);
    const { assets } = await expectJson(res, 201);
    expect(res.headers.get('location')).toMatch(/^\/api\/uploads\//);
    expect(assets[0]).toMatchObject({ status: 'created', originalFilename: 'photo.jpg' });
    const inAlbum = await server.database.db.selectFrom('album_assets').select('asset_id').where('album_id', '=', album.id).execute();
    expect(inAlbum.map((r) => r.asset_id)).toEqual([assets[0].id]);
  });

  it('resumes a chunk cut off at 40 % from the last byte the server holds, byte-identical', async () => {
    const file = Buffer.concat([photo, randomBytes(300 * KiB)]); // a JPEG with trailing bytes: new content
    const location = (await owner.create(file.length, { filename: 'cut.jpg' })).headers.get('location')!;
    await owner.cut(location, 0, file, Math.floor(file.length * 0.4));
    const held = Number((await owner.head(location)).headers.get('upload-offset'));
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(Math.floor(file.length * 0.4));
    // What it holds is what was sent.
    expect(sha256(readFileSync(join(tusDir(), location.split('/').at(-1)!)))).toBe(sha256(file.subarray(0, held)));
    // A PATCH at the wrong offset changes nothing.
    expect((await owner.patch(location, 0, file.subarray(0, 10))).status).toBe(409);
    const { assets } = await expectJson(await owner.finish(location, file, 128 * KiB), 201);
    expect(sha256(await storedBytes(assets[0].id))).toBe(sha256(file));
  });

  it('checks a chunk against its Upload-Checksum: a mismatch is answered 460 and not kept', async () => {
    const options = await fetch(`${server.url}/api/uploads`, { method: 'OPTIONS', headers: { authorization: `Bearer ${ownerToken}`, 'Tus-Resumable': '1.0.0' } });
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-extension')!.split(',')).toEqual(expect.arrayContaining(['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum']));
    expect(options.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256,md5');
    const file = Buffer.concat([photo, randomBytes(100 * KiB)]);
    const location = (await owner.create(file.length, { filename: 'checked.jpg' })).headers.get('location')!;
    const first = file.subarray(0, 64 * KiB);
    const patch = (offset: number, bytes: Buffer, checksum: string) =>
      fetch(new URL(location, server.url), {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ownerToken}`, 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Upload-Checksum': checksum },
        body: new Uint8Array(bytes),
      });
    const digest = (algorithm: string, b: Buffer) => createHash(algorithm).update(b).digest('base64');
    const wrong = await patch(0, first, `sha1 ${digest('sha1', Buffer.from('something else'))}`);
    expect(wrong.status).toBe(460);
    expect(Number((await owner.head(location)).headers.get('upload-offset'))).toBe(0);
    expect((await patch(0, first, 'crc99 AAAA')).status).toBe(400);
    const right = await patch(0, first, `sha1 ${digest('sha1', first)}`);
    expect(right.status).toBe(204);
    expect(right.headers.get('upload-offset')).toBe(String(first.length));
    const rest = file.subarray(first.length);
    const { assets } = await expectJson(await patch(first.length, rest, `sha256 ${digest('sha256', rest)}`), 201);
    expect(sha256(await storedBytes(assets[0].id))).toBe(sha256(file));
  });

  it('a chunk that breaks off after the last byte leaves that byte for the retry, whose answer is the upload', async () => {
    const file = Buffer.concat([photo, randomBytes(200 * KiB)]);
    const location = (await owner.create(file.length, { filename: 'broken-at-the-end.jpg' })).headers.get('location')!;
    // Cut once every byte is in the part on disk (a loaded machine took longer than 200 ms).
    const part = join(server.deps.dataDir.root, 'tmp/tus', location.split('/').at(-1)!);
    await owner.cut(location, 0, file, file.length, { chunked: true, arrived: () => (statSync(part, { throwIfNoEntry: false })?.size ?? 0) >= file.length });
    const held = Number((await owner.head(location)).headers.get('upload-offset'));
    expect(held).toBe(file.length - 1);
    const { assets } = await expectJson(await owner.finish(location, file, 1 << 20), 201);
    expect(sha256(await storedBytes(assets[0].id))).toBe(sha256(file));
  });

  it('answers tus refusals in JSON, as every API error', async () => {
    const res = await fetch(`${server.url}/api/uploads`, { method: 'POST', headers: { authorization: `Bearer ${ownerToken}`, 'Tus-Resumable': '1.0.0', 'Upload-Length': 'abc' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'Invalid upload-length' });
  });

  it('answers only its creator: another token, another user and a guest get 404', async () => {
    const location = (await owner.create(photo.length, { filename: 'mine.jpg' })).headers.get('location')!;
    const id = location.split('/').at(-1)!;
    const db = server.database.db;
    const otherToken = await bearerToken(db, (await db.selectFrom('users').selectAll().where('role', '=', 'owner').executeTakeFirstOrThrow())!, 'other');
    const uploader = await newUser(db, { role: 'uploader' });
    const strangers = [
      tusClient(server.url, '/api/uploads', { authorization: `Bearer ${otherToken}` }),
      tusClient(server.url, '/api/uploads', { cookie: await sessionCookie(db, uploader), origin: server.url }),
    ];
    for (const s of strangers) {
      expect((await s.head(location)).status).toBe(404);
      expect((await s.patch(location, 0, photo)).status).toBe(404);
      expect((await s.remove(location)).status).toBe(404);
    }
    // The owner's browser session is a different creator from the owner's token.
    const session = tusClient(server.url, '/api/uploads', { cookie: ownerCookie, origin: server.url });
    expect((await session.head(location)).status).toBe(404);
    expect(readFileSync(join(tusDir(), id)).length).toBe(0);
    expect((await owner.remove(location)).status).toBe(204);
    expect(parts().filter((p) => p.startsWith(id))).toEqual([]);
  });

  it('refuses at creation what the upload API refuses: a file over MAX_UPLOAD_SIZE, more than the disk holds, an album an uploader may not use', async () => {
    const tooBig = await owner.create(server.deps.config.maxUploadBytes + 1, { filename: 'huge.mov' });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error).toMatch(/huge\.mov: the file is larger than the 16 GB limit/);
    const db = server.database.db;
    const ownerId = (await db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow()).id;
    const granted = await newAlbum(db, ownerId);
    const other = await newAlbum(db, ownerId);
    const uploader = await newUser(db, { role: 'uploader' });
    await setUploaderAlbums(db, uploader.id, [granted.id]);
    const asUploader = tusClient(server.url, '/api/uploads', { cookie: await sessionCookie(db, uploader), origin: server.url });
    expect((await asUploader.create(100, { filename: 'x.jpg', albumId: other.id })).status).toBe(403);
    expect((await asUploader.create(100, { filename: 'x.jpg' })).status).toBe(403);
    // Admitted, then the grant is taken back: the next chunk is refused.
    const location = (await asUploader.create(photo.length, { filename: 'u.jpg', albumId: granted.id })).headers.get('location')!;
    expect((await asUploader.patch(location, 0, photo.subarray(0, 1000))).status).toBe(204);
    await setUploaderAlbums(db, uploader.id, []);
    expect((await asUploader.patch(location, 1000, photo.subarray(1000))).status).toBe(403);
    expect(parts().length).toBeGreaterThan(0);
    await server.uploads.expire(Date.now() + server.deps.config.uploadExpiryMs + 1000);
    expect(parts()).toEqual([]);
  });

  it('refuses a file that is not a photo or video when its last byte arrives, and keeps nothing', async () => {
    const text = Buffer.from('just some text, not a photo\n'.repeat(100));
    const location = (await owner.create(text.length, { filename: 'notes.txt' })).headers.get('location')!;
    const res = await owner.patch(location, 0, text);
    expect(res.status).toBe(415);
    expect((await res.json()).assets[0].error).toMatch(/^notes\.txt is not a photo or video Shoebox accepts\. It takes photos \(JPEG/);
    expect(parts()).toEqual([]);
  });

  it('start-up recovery leaves uploads in progress alone; fsck reports and --repair removes only stray parts', async () => {
    const live = (await owner.create(photo.length, { filename: 'live.jpg' })).headers.get('location')!.split('/').at(-1)!;
    expect((await owner.patch(`/api/uploads/${live}`, 0, photo.subarray(0, 5000))).status).toBe(204);
    const hourAgo = new Date(Date.now() - 3600_000);
    // A part whose record is gone, and a record whose part is gone, both an hour old.
    writeFileSync(join(tusDir(), 'a'.repeat(32)), 'half a file');
    writeFileSync(join(tusDir(), `${'b'.repeat(32)}.json`), '{}');
    for (const name of ['a'.repeat(32), `${'b'.repeat(32)}.json`]) utimesSync(join(tusDir(), name), hourAgo, hourAgo);
    await recoverAtStart(server.deps, server.deps.log);
    expect(parts().sort()).toEqual([live, `${live}.json`, 'a'.repeat(32), `${'b'.repeat(32)}.json`].sort());

    const report = await scanStorage(server.deps, { tempMinAgeMs: 600_000 });
    expect(report.uploadsInProgress).toEqual({ count: 1, bytes: 5000 });
    expect(report.strayUploadParts.map((p) => [p.id, p.why]).sort()).toEqual([
      ['a'.repeat(32), 'no record'],
      ['b'.repeat(32), 'no part'],
    ]);
    expect(report.tempLeftovers).toEqual([]);
    const repaired = await repairStorage(server.deps, report);
    expect(repaired.removedUploadParts).toBe(2);
    expect(parts().sort()).toEqual([live, `${live}.json`].sort());
    // The live upload goes on where it was.
    // (The photo is in the library since the test above: a duplicate, answered 200.)
    const { assets } = await expectJson(await owner.finish(`/api/uploads/${live}`, photo, 1 << 20), 200);
    expect(assets[0]).toMatchObject({ status: 'duplicate', originalFilename: 'live.jpg' });
    expect(parts()).toEqual([]);
  });

  describe('guests of a link that takes uploads', () => {
    let token: string;
    let linkId: string;
    let albumId: string;
    let guest: TusClient;
    const api = jsonCaller(() => server, () => ownerCookie);
    beforeAll(async () => {
      const db = server.database.db;
      const album = await newAlbum(db, (await db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow()).id);
      const { link } = await expectJson(await api('POST', `/api/albums/${album.id}/share`, { allowUpload: true }), 201);
      token = link.token;
      linkId = link.id;
      albumId = album.id;
      guest = tusClient(server.url, `/api/share/${token}/uploads`, { origin: server.url });
    });
    const usage = () => uploadUsageToday(server.database.db, linkId);

    it('reserves the link’s caps at creation: of 50 parallel uploads, exactly as many as the daily bytes hold are taken', async () => {
      const before = await usage();
      const cap = server.deps.config.shareUpload.maxBytesPerDay - before.bytes;
      const size = Math.floor(cap / 7) + 1; // six fit, a seventh does not
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => guest.create(size, { filename: `p${i}.jpg`, name: 'Ann' })));
      const taken = answers.filter((a) => a.status === 201);
      expect(taken).toHaveLength(6);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(44);
      const refused = answers.find((a) => a.status === 429)!;
      expect((await refused.json()).error).toMatch(/^p\d+\.jpg: this link has taken as many bytes as it may today$/);
      expect(await usage()).toEqual({ files: before.files + 6, bytes: before.bytes + 6 * size });
      // Cancelled, all at once: every reservation comes back, once.
      const removed = await Promise.all(taken.map((a) => guest.remove(a.headers.get('location')!)));
      expect(removed.map((r) => r.status)).toEqual(taken.map(() => 204));
      expect(await usage()).toEqual(before);
    });

    it('needs a name, and files the upload under it', async () => {
      const before = await usage();
      expect((await guest.create(photo.length, { filename: 'p.jpg' })).status).toBe(400);
      const res = await guest.create(photo.length, { filename: 'p.jpg', name: 'Ann' }, photo);
      const { assets } = await expectJson(res, 201);
      const entry = await server.database.db.selectFrom('album_assets').select(['added_by_name']).where('album_id', '=', albumId).where('asset_id', '=', assets[0].id).executeTakeFirstOrThrow();
      expect(entry.added_by_name).toBe('Ann');
      // The library held these bytes already (the owner's upload above): nothing new was stored, nothing counts.
      expect(await usage()).toEqual(before);
    });

    it('stops at the next chunk once the link is revoked, and expiry gives the reservation back', async () => {
      const before = await usage();
      const location = (await guest.create(video.length, { filename: 'v.mp4', name: 'Ann' })).headers.get('location')!;
      expect((await guest.patch(location, 0, video.subarray(0, 4096))).status).toBe(204);
      expect(await usage()).toEqual({ files: before.files + 1, bytes: before.bytes + video.length });
      const revoked = await server.fetch(`/links/${linkId}/revoke?from=links`, { method: 'POST', headers: { cookie: ownerCookie, origin: server.url } });
      expect(revoked.status).toBe(303);
      const next = await guest.patch(location, 4096, video.subarray(4096, 8192));
      expect([404, 410]).toContain(next.status);
      expect(parts().length).toBeGreaterThan(0);
      await server.uploads.expire(Date.now() + server.deps.config.uploadExpiryMs + 1000);
      expect(parts()).toEqual([]);
      expect(await usage()).toEqual(before);
    });
  });
});
