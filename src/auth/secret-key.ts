// The server's secret (HMAC for signed URLs and cookies). SECRET_KEY wins; without it
// one is generated once and kept in DATA_DIR so restarts keep sessions and URLs valid.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export function loadSecretKey(configured: string | undefined, file: string): string {
  if (configured) return configured;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, key + '\n', { flag: 'wx', mode: 0o600 });
    return key;
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
