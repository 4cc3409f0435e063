// Commands a person runs by hand (the `shoebox` CLI). Each takes the app's dependencies
// and a JSON input, so it runs the same in the CLI's own process or inside the running
// server (reached through the admin socket).
import { isAbsolute } from 'node:path';
import * as v from 'valibot';
import type { AppDeps } from '../http/env.ts';
import { appliedMigrations } from '../db/migrate.ts';
import { AccountError, createOwner, Credentials, publicUser, resetPassword } from '../auth/accounts.ts';
import { describeIssues } from '../http/validate.ts';
import { queueStatus } from '../jobs/queue-status.ts';
import { requeueAssets } from '../queries/assets.ts';

/** A failure to show the person as it is (bad input, refused), not a crash. */
export class CommandError extends Error {}

export type AdminCommand = (deps: AppDeps, input: Record<string, unknown>) => Promise<unknown>;
export type AdminCommands = Record<string, AdminCommand>;

function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (!result.success) throw new CommandError(describeIssues(result.issues));
  return result.output;
}

async function asCommandError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof AccountError) throw new CommandError(err.message);
    throw err;
  }
}

export const adminCommands: AdminCommands = {
  // Migrations run when the database is opened; this reports where it stands.
  async migrate(deps) {
    return { applied: await appliedMigrations(deps.database) };
  },
  async 'create-owner'(deps, input) {
    const { email, password } = parse(Credentials, input);
    return { user: publicUser(await asCommandError(createOwner(deps.database.db, email, password))) };
  },
  async 'reset-password'(deps, input) {
    const { email, password } = parse(Credentials, input);
    return { user: publicUser(await asCommandError(resetPassword(deps.database.db, email, password))) };
  },

  // Storage and ingest (shoebox fsck / rebuild / import). Work for the worker wakes it when
  // this runs inside the server; the CLI runs its own worker when it runs these locally.
  async fsck(deps, input) {
    const { repair, tempMinAgeMs } = parse(FsckInput, input);
    const { scanStorage, repairStorage } = await storage();
    const report = await scanStorage(deps, { tempMinAgeMs });
    if (!repair) return { report };
    const repaired = await repairStorage(deps, report);
    if (repaired.requeued || repaired.adopted.some((a) => a.adopted)) deps.worker?.wake();
    return { report, repaired };
  },
  async rebuild(deps, input) {
    const { mode } = parse(RebuildInput, input);
    const { assetsToRebuild, requeueInChunks } = await storage();
    const { ids, missingOriginals, queued } = await assetsToRebuild(deps, mode);
    const requeued = mode === 'all' && !missingOriginals.length ? await requeueAssets(deps.database.db) : await requeueInChunks(deps.database.db, ids);
    if (requeued) deps.worker?.wake();
    return { requeued, alreadyQueued: queued, missingOriginals };
  },
  // `shoebox backup`: the dump is taken where the database is open (the running server for
  // the embedded one) and written to the backup folder the CLI names.
  async 'dump-database'(deps, input) {
    const { path } = parse(DumpInput, input);
    const { writeDatabaseDump, DumpError } = await import('../backup/database-dump.ts');
    return importRefusal(DumpError, writeDatabaseDump(deps.database, deps.config.databaseUrl, path));
  },
  async 'queue-status'(deps) {
    return queueStatus(deps.database.db);
  },
  async 'import-album'(deps, input) {
    const { title } = parse(ImportAlbumInput, input);
    const m = await ingest();
    return importRefusal(m.ImportError, m.findOrCreateAlbum(deps.database.db, title));
  },
  async 'check-hashes'(deps, input) {
    const { hashes, albumId } = parse(CheckHashesInput, input);
    const m = await ingest();
    return { existing: await importRefusal(m.ImportError, m.checkHashes(deps.database.db, hashes, albumId)) };
  },
  async 'import-file'(deps, input) {
    const m = await ingest();
    return importRefusal(m.ImportError, m.importFile(deps, parse(ImportFileInput, input)));
  },
};

// The ingest and storage modules load when their command first runs: they bring the media
// stack (sharp, exifr, mediainfo), which account commands and a CLI talking to a running
// server never need.
const ingest = () => import('../ingest/import-file.ts');
const storage = () => import('../storage/fsck.ts');

async function importRefusal<T>(refusal: new (...args: never[]) => Error, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof refusal) throw new CommandError(err.message);
    throw err;
  }
}

const FsckInput = v.object({
  repair: v.optional(v.boolean(), false),
  /** Temp files younger than this are taken for uploads in flight. */
  tempMinAgeMs: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
});
const DumpInput = v.object({ path: v.pipe(v.string('path is required'), v.check((p) => isAbsolute(p), 'path must be absolute')) });
const RebuildInput = v.object({ mode: v.optional(v.picklist(['all', 'missing'], 'mode must be all or missing'), 'missing') });
const ImportAlbumInput = v.object({ title: v.pipe(v.string('title is required'), v.trim(), v.minLength(1, 'the album title must not be empty'), v.maxLength(200, 'the album title is too long')) });
const CheckHashesInput = v.object({
  hashes: v.pipe(v.array(v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{64}$/, 'each hash must be 64 hex characters'))), v.maxLength(10_000, 'at most 10000 hashes per call')),
  albumId: v.optional(v.pipe(v.string(), v.uuid('albumId must be an id'))),
});
const ImportFileInput = v.object({
  path: v.pipe(v.string('path is required'), v.minLength(1)),
  albumId: v.optional(v.pipe(v.string(), v.uuid('albumId must be an id'))),
  lastModified: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
});
