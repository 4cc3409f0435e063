// Static files (static/ plus browser libraries vendored from node_modules), read once at
// start, fingerprinted by content hash and pre-compressed. Views link the fingerprinted
// name (`/static/css/app.1a2b3c4d.css`), which is cached for a year; a name without the
// current hash still answers, with a short cache lifetime.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { fromAppRoot } from './app-root.ts';
export const staticDir = fromAppRoot('static');
const nodeModules = fromAppRoot('node_modules');

/** Browser libraries served from node_modules, never from a CDN. */
const vendored: Record<string, string> = {
  'vendor/htmx.min.js': 'htmx.org/dist/htmx.min.js',
  'vendor/alpine-csp.min.js': '@alpinejs/csp/dist/cdn.min.js',
  'vendor/photoswipe-lightbox.esm.min.js': 'photoswipe/dist/photoswipe-lightbox.esm.min.js',
  'vendor/photoswipe.esm.min.js': 'photoswipe/dist/photoswipe.esm.min.js',
  'vendor/photoswipe.css': 'photoswipe/dist/photoswipe.css',
  // Resumable uploads: loaded by static/js/upload.js only when a large file starts.
  'vendor/tus.min.js': 'tus-js-client/dist/tus.min.js',
};

/**
 * Files made of others, joined in this order: owner pages link all of the styles as one
 * file; a guest album page carries css/guest.css inline (src/http/inline-styles.ts) and
 * loads its select mode's scripts as one.
 */
const bundles: Record<string, string[]> = {
  'css/app.css': ['css/base.css', 'css/grid.css', 'css/upload.css', 'css/select.css', 'css/owner.css'],
  'css/guest.css': ['css/base.css', 'css/grid.css', 'css/select.css'],
  // The lightbox module: Live Photos' part ahead of the rest, as one file.
  'js/lightbox.js': ['js/lightbox-live.js', 'js/lightbox-core.js'],
  // A guest's select mode, which comes after the first paint: one request, not three.
  'js/guest-select.bundle.js': ['js/select-core.js', 'js/download.js', 'js/guest-select.js'],
};

const contentTypes: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};
const compressible = new Set(['.css', '.js', '.mjs', '.svg', '.json', '.webmanifest', '.txt']);

export interface StaticFile {
  name: string;
  hash: string;
  url: string;
  contentType: string;
  body: Buffer;
  gzip?: Buffer;
  brotli?: Buffer;
}

export interface StaticFiles {
  /** The fingerprinted URL of a file under static/ (or vendor/…); throws for an unknown name. */
  url(name: string): string;
  /** The contents of a file under static/ (or a bundle); throws for an unknown name. */
  text(name: string): string;
  /** Looks up `css/app.1a2b3c4d.css` or `css/app.css`; `fresh` is true when the hash is current. */
  resolve(requested: string): { file: StaticFile; fingerprinted: boolean } | undefined;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function makeFile(name: string, body: Buffer): StaticFile {
  const ext = extname(name);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const file: StaticFile = {
    name,
    hash,
    url: `/static/${name.slice(0, -ext.length)}.${hash}${ext}`,
    contentType: contentTypes[ext] ?? 'application/octet-stream',
    body,
  };
  if (compressible.has(ext) && body.length > 512) {
    // At the best levels, on first use: all files together take ~0.5 s, too long to add to
    // every start (a restart serves again sooner), and one file takes a few milliseconds.
    let gzip: Buffer | undefined;
    let brotli: Buffer | undefined;
    Object.defineProperties(file, {
      gzip: { enumerable: true, get: () => (gzip ??= gzipSync(body, { level: 9 })) },
      brotli: { enumerable: true, get: () => (brotli ??= brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } })) },
    });
  }
  return file;
}

export function loadStaticFiles(dir = staticDir): StaticFiles {
  const files = new Map<string, StaticFile>();
  for (const path of walk(dir)) {
    const name = relative(dir, path).split('\\').join('/');
    files.set(name, makeFile(name, readFileSync(path)));
  }
  for (const [name, modulePath] of Object.entries(vendored)) {
    files.set(name, makeFile(name, readFileSync(join(nodeModules, modulePath))));
  }
  const get = (name: string) => {
    const file = files.get(name);
    if (!file) throw new Error(`no static file named ${name}`);
    return file;
  };
  for (const [name, parts] of Object.entries(bundles)) {
    files.set(name, makeFile(name, Buffer.concat(parts.map((part) => get(part).body))));
  }
  return {
    url: (name) => get(name).url,
    text: (name) => get(name).body.toString('utf8'),
    resolve(requested) {
      const direct = files.get(requested);
      if (direct) return { file: direct, fingerprinted: false };
      const m = /^(.*)\.([0-9a-f]{10})(\.[a-z0-9]+)$/.exec(requested);
      if (!m) return undefined;
      const file = files.get(m[1]! + m[3]!);
      if (!file) return undefined;
      return { file, fingerprinted: file.hash === m[2] };
    },
  };
}

let shared: StaticFiles | undefined;
/** The process-wide set, read on first use. */
export function staticFiles(): StaticFiles {
  shared ??= loadStaticFiles();
  return shared;
}

export const staticUrl = (name: string): string => staticFiles().url(name);
