// Through nginx/shoebox.conf as shipped, with every upload location's body cap lowered to
// 1 MB, as a proxy in front that caps request bodies would: a 5 MB file is refused as one
// multipart POST and goes through over tus in 256 KiB chunks, byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJson } from '../helpers/api.ts';
import { bearerToken, newUser } from '../helpers/factories.ts';
import { startShippedNginx } from '../helpers/nginx.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';
import { fixture } from '../media/fixtures.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploads through nginx with a 1 MB body cap', () => {
  let server: TestServer;
  let nginx: { base: string; stop(): void };
  let token: string;
  // A photo followed by other bytes, 5 MB in all.
  const photo = readFileSync(fixture('jpeg/camera/canon-dslr.jpg'));
  const file = Buffer.concat([photo, randomBytes(5 * 1024 * 1024 - photo.length)]);

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', config: { trustProxy: true } });
    token = await bearerToken(server.database.db, await newUser(server.database.db, { role: 'owner' }));
    nginx = await startShippedNginx(tempDir('sbx-nginx-tus-'), {
      appUrl: server.url,
      dataRoot: server.deps.dataDir.root,
      edit: (site) => {
        const capped = site.replace(/client_max_body_size (0|60m);/g, 'client_max_body_size 1m;');
        if ((capped.match(/client_max_body_size 1m;/g) ?? []).length < 5) throw new Error('the upload locations were not found in nginx/shoebox.conf');
        return capped;
      },
    });
  });
  afterAll(async () => {
    nginx?.stop();
    await server?.close();
  });

  it('refuses the file as one multipart POST (413) and takes it over tus in 256 KiB chunks', async () => {
    const body = new FormData();
    body.append('file', new Blob([new Uint8Array(file)]), 'big.jpg');
    const whole = await fetch(`${nginx.base}/api/assets/upload`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
    expect(whole.status).toBe(413);

    const tus = tusClient(nginx.base, '/api/uploads', { authorization: `Bearer ${token}` });
    const created = await tus.create(file.length, { filename: 'big.jpg' });
    expect(created.status).toBe(201);
    const { assets } = await expectJson(await tus.finish(created.headers.get('location')!, file, 256 * 1024), 201);
    expect(assets[0]).toMatchObject({ status: 'created', originalFilename: 'big.jpg' });
    const row = await server.database.db.selectFrom('assets').select('storage_path').where('id', '=', assets[0].id).executeTakeFirstOrThrow();
    expect(sha256(readFileSync(join(server.deps.dataDir.root, row.storage_path)))).toBe(sha256(file));
  });
});
