// What a backup folder holds, described in <dest>/shoebox-backup.json: restore reads it first
// and refuses a folder that is not a Shoebox backup.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { describeIssues } from '../http/validate.ts';

export const MANIFEST_FILE = 'shoebox-backup.json';
export const DUMP_FILE = 'database.sql';
export const SECRET_KEY_FILE = 'secret.key';

const Manifest = v.object({
  format: v.literal(1),
  createdAt: v.string(),
  shoeboxVersion: v.string(),
  database: v.object({
    kind: v.picklist(['pglite', 'postgres']),
    serverVersion: v.string(),
    dumpedBy: v.string(),
    bytes: v.number(),
  }),
  /** False when SECRET_KEY came from the environment: the owner keeps it. */
  secretKeyIncluded: v.boolean(),
  withDerived: v.boolean(),
  originals: v.object({ files: v.number(), bytes: v.number() }),
});

export type BackupManifest = v.InferOutput<typeof Manifest>;

export class NotABackupError extends Error {}

export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotABackupError(`${dir} is not a Shoebox backup: it has no ${MANIFEST_FILE}`);
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NotABackupError(`${join(dir, MANIFEST_FILE)} is not valid JSON`);
  }
  const parsed = v.safeParse(Manifest, json);
  if (!parsed.success) throw new NotABackupError(`${join(dir, MANIFEST_FILE)} does not describe a backup this version can restore: ${describeIssues(parsed.issues)}`);
  return parsed.output;
}
