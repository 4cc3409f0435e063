// Loading a plain SQL dump (pg_dump --inserts) into an empty database, statement by statement
// in one transaction: a dump that fails half-way leaves the database as empty as it was.
// A dump from a newer Postgres may set parameters an older server does not know (PGlite's
// pg_dump writes `SET transaction_timeout`, which Postgres 15 rejects): a SET of a parameter
// this server lacks is skipped, any other failure stops the load with the statement's text.
// psql's \restrict / \unrestrict lines (pg_dump since 15.14) are not SQL and are dropped.
import { splitQuery, postgreSplitterOptions } from 'dbgate-query-splitter';
import type { Database } from '../db/database.ts';

export interface LoadOutcome {
  statements: number;
  /** SET statements skipped because this server does not know the parameter. */
  skippedSettings: string[];
}

export class DumpLoadError extends Error {}

const PSQL_RESTRICT = /^\\(?:un)?restrict\b.*$/gm;
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/;

export function splitDump(text: string): string[] {
  const statements = splitQuery(text.replace(PSQL_RESTRICT, ''), postgreSplitterOptions) as string[];
  return statements.map((s) => s.replace(LEADING_COMMENTS, '').trim()).filter((s) => s.length > 0);
}

export async function loadDump(database: Database, text: string, onProgress: (done: number, total: number) => void = () => {}): Promise<LoadOutcome> {
  const statements = splitDump(text);
  const outcome: LoadOutcome = { statements: 0, skippedSettings: [] };
  await database.scriptTransaction(async (tx) => {
    for (const [i, statement] of statements.entries()) {
      if (statement.startsWith('\\')) throw new DumpLoadError(`the dump holds a psql command this loader does not run: ${statement.slice(0, 80)}`);
      const setting = /^SET\s+(?:SESSION\s+)?([a-z_][a-z0-9_.]*)\s*(?:=|TO)\s/i.exec(statement)?.[1];
      if (setting && !(await tx.query('SELECT 1 FROM pg_settings WHERE name = $1', [setting.toLowerCase()])).length) {
        outcome.skippedSettings.push(setting);
        continue;
      }
      try {
        await tx.exec(statement);
      } catch (err) {
        throw new DumpLoadError(`statement ${i + 1} of the dump failed: ${(err as Error).message}\n  ${statement.slice(0, 300)}`);
      }
      outcome.statements++;
      if (i % 200 === 0 || i === statements.length - 1) onProgress(i + 1, statements.length);
    }
  });
  return outcome;
}
