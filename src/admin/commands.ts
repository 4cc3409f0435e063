// Commands a person runs by hand (the `shoebox` CLI). Each takes the app's dependencies
// and a JSON input, so it runs the same in the CLI's own process or inside the running
// server (reached through the admin socket).
import type { AppDeps } from '../http/env.ts';
import { appliedMigrations } from '../db/migrate.ts';

/** A failure to show the person as it is (bad input, refused), not a crash. */
export class CommandError extends Error {}

export type AdminCommand = (deps: AppDeps, input: Record<string, unknown>) => Promise<unknown>;
export type AdminCommands = Record<string, AdminCommand>;

export const adminCommands: AdminCommands = {
  // Migrations run when the database is opened; this reports where it stands.
  async migrate(deps) {
    return { applied: await appliedMigrations(deps.database) };
  },
};
