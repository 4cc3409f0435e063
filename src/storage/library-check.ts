// Whether DATA_DIR (and DATABASE_URL) hold a library. A CLI command pointed at the wrong
// folder must not make an empty library there and then report it clean: only the server,
// `create-owner`, `migrate` and `restore` (into an empty DATA_DIR) may start a new one. Checked before anything is written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { dataDirLayout } from './data-dir.ts';

export class NoLibraryError extends Error {}

/** Why there is no library where the config points, or undefined when there may be one (Postgres: see hasLibraryTables). */
export function missingLibrary(config: Config): string | undefined {
  const layout = dataDirLayout(config.dataDir);
  if (config.databaseUrl) return existsSync(layout.originals) ? undefined : `no originals/ folder in ${layout.root}`;
  return existsSync(join(layout.db, 'PG_VERSION')) ? undefined : `no database in ${layout.db}`;
}

export function noLibrary(config: Config, reason: string): NoLibraryError {
  return new NoLibraryError(
    `no Shoebox library at DATA_DIR=${config.dataDir}${config.databaseUrl ? ' with this DATABASE_URL' : ''}: ${reason}. ` +
      'Point DATA_DIR (and DATABASE_URL, for a library on Postgres) at the library; `shoebox create-owner` or `shoebox migrate` start a new one.',
  );
}
