#!/usr/bin/env node
// Compiles the server ahead of time: src/server.ts and everything it imports (views
// included) into one ES module, dist/server.mjs, with packages left as imports from
// node_modules. `npm start` runs this first (~0.3 s), then `node dist/server.mjs`: no
// TypeScript loader in the running server, which saves ~60 MB of memory (bench/idle-rss.ts).
// Written to a temp name and renamed, so a server starting meanwhile never reads half a file.
import { renameSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
export const serverBundle = fileURLToPath(new URL('../dist/server.mjs', import.meta.url));

export function buildServer() {
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: ['src/server.ts'],
    outfile: serverBundle,
    write: false,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    legalComments: 'none',
    logLevel: 'warning',
  });
  mkdirSync(dirname(serverBundle), { recursive: true });
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) buildServer();
