// Commands a person runs by hand (the `shoebox` CLI). Each takes the app's dependencies
// and a JSON input, so it runs the same in the CLI's own process or inside the running
// server (reached through the admin socket).
import * as v from 'valibot';
import type { AppDeps } from '../http/env.ts';
import { appliedMigrations } from '../db/migrate.ts';
import { AccountError, createOwner, Credentials, publicUser, resetPassword } from '../auth/accounts.ts';
import { describeIssues } from '../http/validate.ts';

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
};
