// Worker thread body for heic-decoder.ts: runs heic-decode (libheif compiled to WASM, which
// decodes synchronously for seconds) away from the event loop. Plain JS so it starts without
// a TypeScript loader, in the server and under vitest alike.
// Message in:  { id, op: 'probe' | 'decode', path, maxPixels }
// Message out: { id, ok: true, width, height, data? } | { id, ok: false, error, tooLarge? }
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const decode = require('heic-decode');

// libheif-js reports parse failures with console.log; keep the last line as the reason
// instead of printing it into the server's output.
let lastLibheifMessage = '';
console.log = (...args) => {
  lastLibheifMessage = args.map(String).join(' ');
};

async function run({ op, path, maxPixels }) {
  lastLibheifMessage = '';
  const buffer = await readFile(path);
  let images;
  try {
    images = await decode.all({ buffer });
  } catch (error) {
    const reason = lastLibheifMessage || (error instanceof Error ? error.message : String(error));
    throw new Error(reason);
  }
  try {
    // heic-decode lists the top-level images in file order; the first is the primary one
    // in the files phones and cameras write.
    const image = images[0];
    const { width, height } = image;
    if (!(width > 0 && height > 0)) throw new Error('HEIF image has no size');
    if (width * height > maxPixels) {
      return { ok: false, tooLarge: true, width, height, error: `${width}x${height} pixels is above the limit` };
    }
    if (op === 'probe') return { ok: true, width, height };
    const decoded = await image.decode();
    return { ok: true, width: decoded.width, height: decoded.height, data: decoded.data };
  } finally {
    images.dispose();
  }
}

parentPort.on('message', async (task) => {
  try {
    const result = await run(task);
    const transfer = result.data ? [result.data.buffer] : [];
    parentPort.postMessage({ id: task.id, ...result }, transfer);
  } catch (error) {
    parentPort.postMessage({ id: task.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
