import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, listMigrationFiles, migrationsDir, MigrationError } from '../../src/db/migrate.ts';
import { backends, createEmptyDatabase, type TestDatabase } from '../helpers/database.ts';

describe.each(backends())('migrations on %s', (backend) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('applies every file once, in order, and records it', async () => {
    database = await createEmptyDatabase(backend);
    const applied = await migrate(database);
    expect(applied).toEqual(listMigrationFiles());
    expect(await migrate(database)).toEqual([]);
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(database.db);
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['album_assets', 'albums', 'assets', 'schema_migrations', 'sessions', 'shared_links', 'users']),
    );
  });

  it('rolls a failing migration back and stops with its name', async () => {
    database = await createEmptyDatabase(backend);
    const dir = mkdtempSync(join(tmpdir(), 'sbx-mig-'));
    for (const f of listMigrationFiles()) copyFileSync(join(migrationsDir, f), join(dir, f));
    writeFileSync(join(dir, '9999_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    await expect(migrate(database, dir)).rejects.toThrow(MigrationError);
    await expect(migrate(database, dir)).rejects.toThrow(/9999_broken\.sql failed/);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'`.execute(database.db);
    expect(rows[0]!.n).toBe(0);
    const names = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(database.db);
    expect(names.rows.map((r) => r.name)).not.toContain('9999_broken.sql');
    rmSync(dir, { recursive: true });
  });

  it('keeps one asset per file hash, int8 as numbers and jsonb as objects', async () => {
    database = await createEmptyDatabase(backend);
    await migrate(database);
    const asset = {
      original_filename: 'a.jpg',
      file_hash: 'a'.repeat(64),
      file_size: 5_000_000_000,
      mime_type: 'image/jpeg',
      storage_path: 'originals/aa/aa/x.jpg',
      metadata: { make: 'Canon', gps: { lat: 1.5 } },
    };
    const row = await database.db.insertInto('assets').values(asset).returningAll().executeTakeFirstOrThrow();
    expect(row.file_size).toBe(5_000_000_000);
    expect(row.metadata).toEqual({ make: 'Canon', gps: { lat: 1.5 } });
    await expect(database.db.insertInto('assets').values(asset).execute()).rejects.toThrow(/assets_file_hash_key/);
    const count = await database.db.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });
});
