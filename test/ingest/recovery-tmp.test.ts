// What start-up recovery removes from tmp/: everything on the embedded database (one
// process owns DATA_DIR); on Postgres, where other servers may be writing into the same
// tmp/, only upload parts older than 6 hours, and /healthz probes a killed process left
// (a probe lives a millisecond), whatever their age.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { recoverAtStart } from '../../src/storage/recovery.ts';
import { backends } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe.each(backends())('start-up recovery of tmp/ on %s', (backend) => {
  it("removes a probe left by a killed process; keeps another server's fresh upload part on Postgres", async () => {
    const server = await startTestServer({ backend });
    servers.push(server);
    const tmp = server.deps.dataDir.tmp;
    const probe = join(tmp, '.probe-0b8e6f1c-3f7e-4a53-9d40-3c2f5e9d1a00');
    const part = join(tmp, 'upload-fresh.part');
    writeFileSync(probe, 'ok');
    writeFileSync(part, 'half a photo');
    // As on Postgres: recovery must think other servers may share DATA_DIR.
    const deps = backend === 'postgres' ? { ...server.deps, config: { ...server.deps.config, databaseUrl: server.database.url! } } : server.deps;
    await recoverAtStart(deps, silentLogger);
    expect(existsSync(probe)).toBe(false);
    expect(existsSync(part)).toBe(backend === 'postgres');
  });
});
