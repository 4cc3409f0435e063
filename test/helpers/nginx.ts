// A throwaway nginx for the tests and the benchmarks: one worker, in the foreground, its pid,
// log and temp files in `dir`; the caller gives what goes in its http block (for the
// shipped nginx/shoebox.conf, see shippedNginxSite).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './postgres-cluster.ts';

export const NGINX = '/usr/sbin/nginx';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export function nginxMainConfig(dir: string, http: string): string {
  // As root, the workers read DATA_DIRs that only root may read (the test's temp dirs).
  return `
${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`;
}

/** nginx/shoebox.conf as shipped, with only its addresses changed (as compose.yaml changes them), for an http block. */
export function shippedNginxSite(o: { port: number; appPort: number | string; dataRoot: string }): string {
  const edits: [string | RegExp, string][] = [
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${o.appPort};`],
    [/^\s*listen \[::\]:80;$/m, ''],
    ['listen 80;', `listen 127.0.0.1:${o.port};`],
    ['alias /var/lib/shoebox/;', `alias ${o.dataRoot}/;`],
  ];
  let site = readFileSync(join(repoRoot, 'nginx/shoebox.conf'), 'utf8');
  for (const [from, to] of edits) {
    if (!(typeof from === 'string' ? site.includes(from) : from.test(site))) throw new Error(`nginx/shoebox.conf no longer has ${from}`);
    site = site.replace(from, to);
  }
  return `  include /etc/nginx/mime.types;\n${site}`;
}

/** The real nginx with nginx/shoebox.conf as shipped in front of the app at `appUrl`, until stop(). */
export async function startShippedNginx(
  dir: string,
  o: { appUrl: string; dataRoot: string; /** Edits the shipped site (e.g. a tighter body cap) before nginx reads it. */ edit?: (site: string) => string },
): Promise<{ base: string; stop(): void }> {
  const port = await freePort();
  mkdirSync(join(dir, 'body'), { recursive: true });
  const site = shippedNginxSite({ port, appPort: new URL(o.appUrl).port, dataRoot: o.dataRoot });
  writeFileSync(join(dir, 'nginx.conf'), nginxMainConfig(dir, o.edit ? o.edit(site) : site));
  const nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok) break;
    if (i > 100) throw new Error(`nginx did not start: ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, stop: () => void nginx.kill('SIGQUIT') };
}
