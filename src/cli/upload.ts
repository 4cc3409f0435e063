// `shoebox upload <folder> --server URL --token sbx_…`: the remote counterpart of `import`
// (as immich-cli is to Immich). It talks only to the server at URL, with an API token, and
// never opens a DATA_DIR: the folder is walked and hashed here, the server is asked which
// hashes it already has (/api/assets/check), and the rest goes over tus (/api/uploads) in
// UPLOAD_CHUNK_SIZE chunks. The URL of each upload in progress is kept in a small file
// (~/.cache/shoebox/uploads.json by default), so after Ctrl-C or a lost connection the next
// run goes on from the last byte the server holds instead of starting the file again.
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tus from 'tus-js-client';
import { CommandError } from '../admin/commands.ts';
import { formatBytes } from '../ingest/checksum.ts';
import { hashFile, tally, walkFolder, type FolderFile } from './import.ts';
import type { CliCommand } from './main.ts';
import { catchInterrupt, createProgress } from './progress.ts';

type Outcome = { status: 'created' | 'duplicate' | 'skipped'; id: string } | { status: 'failed'; error: string };

// tus-js-client's Node build has a file-backed URL store; its type declarations leave it out.
const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (path: string) => NonNullable<tus.UploadOptions['urlStorage']> };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const CHECK_BATCH = 5000;

/** Where upload URLs are remembered between runs: SHOEBOX_STATE_DIR, else XDG's cache folder. */
function stateFile(): string {
  const dir = process.env.SHOEBOX_STATE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shoebox');
  return join(dir, 'uploads.json');
}

/** JSON calls to the server with the token; a refusal becomes a CommandError in the server's words. */
function apiClient(server: string, token: string) {
  return async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(server + path, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CommandError(`cannot reach ${server}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const why = (parsed as { error?: string } | undefined)?.error ?? `HTTP ${res.status}`;
      throw new CommandError(res.status === 401 ? `the server refused the token: ${why}` : `${method} ${path}: ${why}`);
    }
    if (parsed === undefined) throw new CommandError(`${server} did not answer like a Shoebox server (${method} ${path})`);
    return parsed as T;
  };
}

export const uploadCommand: CliCommand = {
  summary: 'upload a folder to a Shoebox server over the network (resumable; skips what the server has)',
  usage: [
    'shoebox upload <folder> --server URL --token sbx_... [--album "Name"] [--concurrency N] [--json]',
    '',
    '  Walks <folder> as import does, asks the server which files it already has (by SHA-256)',
    '  and sends the rest resumably, in chunks (UPLOAD_CHUNK_SIZE, 50M by default). Run it again',
    '  after Ctrl-C or a lost connection: finished files are skipped and a file sent in part',
    '  goes on from where it stopped. Never reads DATA_DIR: it works from any machine.',
    '  --server URL     the server, e.g. https://photos.example.com (or SHOEBOX_SERVER)',
    '  --token T        an API token made in Settings (or SHOEBOX_TOKEN)',
    '  --album "Name"   add every file to the album with this exact title (created when the',
    '                   owner has none)',
    '  --concurrency N  files in flight at once (default 2)',
    '  --json           print the result as JSON on stdout',
    '  Exit code 0 when every file was stored or already there, 1 when some failed, 130 when',
    '  interrupted.',
  ].join('\n'),
  options: { server: { type: 'string' }, token: { type: 'string' }, album: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } },
  async run({ config, values, positionals, out }) {
    if (positionals.length !== 1) throw new CommandError('name one folder to upload: shoebox upload <folder> --server URL --token T');
    const serverText = (typeof values.server === 'string' ? values.server : process.env.SHOEBOX_SERVER)?.replace(/\/+$/, '');
    const token = typeof values.token === 'string' ? values.token : process.env.SHOEBOX_TOKEN;
    if (!serverText) throw new CommandError('--server URL is required (the address of the Shoebox server)');
    if (!token) throw new CommandError('--token is required (make an API token in Settings)');
    let server: string;
    try {
      const url = new URL(serverText);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      server = url.origin + url.pathname.replace(/\/+$/, '');
    } catch {
      throw new CommandError(`--server must be an http:// or https:// URL, not ${serverText}`);
    }
    const folder = resolve(positionals[0]!);
    if (!(await stat(folder).catch(() => undefined))?.isDirectory()) throw new CommandError(`${folder} is not a folder`);
    const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new CommandError('--concurrency must be a whole number from 1 to 16');
    if (typeof values.album === 'string' && !values.album.trim()) throw new CommandError('--album needs a title');
    const json = values.json === true;
    const say = json ? () => {} : out;
    const api = apiClient(server, token);

    let album: { id: string; title: string; created: boolean } | undefined;
    if (typeof values.album === 'string') {
      const title = values.album.trim();
      const { albums } = await api<{ albums: { id: string; title: string }[] }>('GET', '/api/albums');
      const found = albums.find((a) => a.title === title);
      album = found ? { ...found, created: false } : { ...(await api<{ album: { id: string; title: string } }>('POST', '/api/albums', { title })).album, created: true };
    }

    const { files, ignored } = await walkFolder(folder);
    const totalBytes = files.reduce((n, f) => n + f.size, 0);
    say(`upload ${folder} to ${server}: ${plural(files.length, 'file')} (${formatBytes(totalBytes)})${album ? ` into album "${album.title}" (${album.created ? 'created' : 'existing'})` : ''}`);
    const statePath = stateFile();
    await mkdir(join(statePath, '..'), { recursive: true, mode: 0o700 });
    const urlStorage = new FileUrlStorage(statePath);
    // Each upload in flight, and how to settle it when Ctrl-C pauses it (abort() calls no callback).
    const inFlight = new Map<tus.Upload, () => void>();
    const interrupt = catchInterrupt('the uploads in flight', {
      say: 'stopping: the files in flight pause where they are (the server keeps what it has of them)',
      then: () => {
        for (const [upload, paused] of inFlight) {
          void upload.abort();
          paused();
        }
      },
    });
    try {
      // 1. Hash every file, then ask the server what it has. As in import, half of a file's
      // bytes count when it is hashed here, the other half when it has been sent.
      const progress = createProgress({ label: 'upload', total: files.length, unit: 'files', totalBytes });
      let hashedBytes = 0;
      let sentBytes = 0;
      let done = 0;
      const show = () => progress.update(done, Math.round((hashedBytes + sentBytes) / 2));
      const hashes = new Map<FolderFile, string>();
      const outcomes = new Map<FolderFile, Outcome>();
      for (const file of files) {
        if (interrupt.interrupted()) break;
        try {
          hashes.set(file, await hashFile(file.path, (n) => ((hashedBytes += n), show())));
        } catch (err) {
          outcomes.set(file, { status: 'failed', error: `cannot be read: ${(err as Error).message}` });
          done++;
        }
      }
      const existing = new Map<string, string>();
      const all = [...new Set(hashes.values())];
      for (let i = 0; i < all.length && !interrupt.interrupted(); i += CHECK_BATCH) {
        const answer = await api<{ existing: { hash: string; id: string }[] }>('POST', '/api/assets/check', { hashes: all.slice(i, i + CHECK_BATCH) });
        for (const e of answer.existing) existing.set(e.hash, e.id);
      }
      const toSend: FolderFile[] = [];
      const sentHashes = new Set<string>();
      for (const [file, hash] of hashes) {
        const id = existing.get(hash);
        if (id) {
          outcomes.set(file, { status: 'skipped', id });
          done++;
          sentBytes += file.size;
        } else if (sentHashes.has(hash)) {
          toSend.push(file); // the same bytes twice in the folder: the second is answered "duplicate"
        } else {
          sentHashes.add(hash);
          toSend.push(file);
        }
      }
      show();
      if (album) {
        const skippedIds = [...outcomes.values()].flatMap((o) => (o.status === 'skipped' ? [o.id] : []));
        if (skippedIds.length) await api('POST', `/api/albums/${album.id}/assets`, { assetIds: skippedIds });
      }

      // 2. Send the rest over tus, `concurrency` files at a time.
      const sendOne = (file: FolderFile) =>
        new Promise<Outcome>((resolveOutcome) => {
          let counted = 0;
          const upload: tus.Upload = new tus.Upload(createReadStream(file.path), {
            endpoint: `${server}/api/uploads`,
            chunkSize: config.uploadChunkBytes,
            uploadSize: file.size,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
            metadata: { filename: file.rel.split('/').at(-1)!, lastModified: String(Math.round(file.mtimeMs)), ...(album ? { albumId: album.id } : {}) },
            urlStorage,
            removeFingerprintOnSuccess: true,
            uploadDataDuringCreation: true,
            retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
            onProgress(bytes) {
              sentBytes += bytes - counted;
              counted = bytes;
              show();
            },
            onSuccess({ lastResponse }) {
              inFlight.delete(upload);
              const entry = (JSON.parse(lastResponse.getBody() || '{}') as { assets?: { id: string; status: string; error?: string }[] }).assets?.[0];
              if (!entry || entry.status === 'rejected') resolveOutcome({ status: 'failed', error: entry?.error ?? 'the server gave no answer for it' });
              else resolveOutcome({ status: entry.status === 'duplicate' ? 'duplicate' : 'created', id: entry.id });
            },
            onError(err) {
              inFlight.delete(upload);
              const res = (err as tus.DetailedError).originalResponse;
              let why = err.message;
              try {
                why = (JSON.parse(res?.getBody() ?? '') as { error?: string; assets?: { error?: string }[] }).assets?.[0]?.error ?? JSON.parse(res!.getBody()).error ?? why;
              } catch {
                // not JSON: the client's own message
              }
              resolveOutcome({ status: 'failed', error: why });
            },
          });
          inFlight.set(upload, () => resolveOutcome({ status: 'failed', error: 'paused by Ctrl-C' }));
          upload
            .findPreviousUploads()
            .then((previous) => {
              if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
            })
            .catch(() => {})
            .finally(() => {
              if (interrupt.interrupted()) inFlight.delete(upload);
              else upload.start();
            });
        });
      let next = 0;
      const lane = async () => {
        while (!interrupt.interrupted() && next < toSend.length) {
          const file = toSend[next++]!;
          const outcome = await sendOne(file);
          if (interrupt.interrupted() && outcome.status === 'failed') break; // aborted: not a failure
          outcomes.set(file, outcome);
          done++;
          show();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(toSend.length, 1)) }, lane));
      progress.stop();

      const { count, failed, notDone: notSent } = tally(files, outcomes);
      say(`created ${count.created}, duplicate ${count.duplicate}, skipped (already on the server) ${count.skipped}, failed ${count.failed}`);
      if (failed.length) {
        say('failed:');
        for (const f of failed) say(`  ${f.file}: ${f.error}`);
      }
      if (ignored.hidden) say(`ignored: ${plural(ignored.hidden, 'hidden file or folder', 'hidden files or folders')}`);
      for (const u of ignored.unreadable) say(`unreadable: ${u}`);
      if (json) {
        out(
          JSON.stringify(
            {
              server,
              folder,
              album: album ?? null,
              counts: { ...count, notSent },
              files: files.map((f) => ({ file: f.rel, size: f.size, ...(outcomes.get(f) ?? { status: 'not sent' }) })),
              interrupted: interrupt.interrupted(),
            },
            null,
            2,
          ),
        );
      }
      if (interrupt.interrupted()) {
        say(`interrupted: ${plural(notSent, 'file')} not finished; run the same command again to continue (files sent in part go on where they stopped)`);
        return 130;
      }
      return count.failed || ignored.unreadable.length ? 1 : 0;
    } finally {
      interrupt.dispose();
    }
  },
};
