// Turns what stops a start into one line a person can act on (no stack dump).
import type { Config } from './config.ts';
import { DatabaseUnavailableError } from './db/database.ts';
import { MigrationError } from './db/migrate.ts';
import { DataDirLockedError } from './storage/lock-file.ts';

export function describeStartError(err: unknown, config: Config): string {
  if (err instanceof DatabaseUnavailableError || err instanceof MigrationError || err instanceof DataDirLockedError) {
    return err.message;
  }
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EADDRINUSE':
      return `port ${config.port} on ${config.host} is already in use; set PORT to a free port`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${e.message} (check DATA_DIR=${config.dataDir} and PORT=${config.port})`;
    case 'ENOSPC':
      return `no space left on the disk holding ${config.dataDir}`;
    default:
      return e instanceof Error ? e.message : String(err);
  }
}
