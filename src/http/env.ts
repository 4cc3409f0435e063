// The Hono environment shared by every route: dependencies and per-request values.
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { DataDir } from '../storage/data-dir.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  dataDir: DataDir;
  secretKey: string;
  log: Logger;
  version: string;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    secureHeadersNonce?: string;
  };
}
