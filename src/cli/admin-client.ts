// Runs an admin command where it may run: inside the server that holds DATA_DIR's lock
// (through its admin socket), or in this process when no server holds it.
import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { adminCommands } from '../admin/commands.ts';
import { callAdminSocket } from '../admin/socket.ts';
import { openRuntime } from '../runtime.ts';
import { dataDirLayout } from '../storage/data-dir.ts';
import { lockHolder } from '../storage/lock-file.ts';
import { missingLibrary } from '../storage/library-check.ts';

export type Where = 'server' | 'local';

export async function runAdminCommand(
  config: Config,
  log: Logger,
  name: string,
  input: Record<string, unknown> = {},
  options: { create: boolean } = { create: false },
): Promise<{ where: Where; result: unknown; /** A new library was started for it (only with `create`). */ created: boolean }> {
  const layout = dataDirLayout(config.dataDir);
  if (!config.databaseUrl && lockHolder(layout.lockFile) !== undefined) {
    if (!existsSync(layout.adminSocket)) {
      throw new Error(`a Shoebox server holds ${layout.lockFile} but its admin socket ${layout.adminSocket} is missing; stop the server and run this again`);
    }
    return { where: 'server', result: await callAdminSocket(layout.adminSocket, name, input), created: false };
  }
  const command = adminCommands[name];
  if (!command) throw new Error(`unknown admin command ${name}`);
  const created = options.create && missingLibrary(config) !== undefined;
  const runtime = await openRuntime(config, log, options);
  try {
    return { where: 'local', result: await command(runtime.deps, input), created };
  } finally {
    await runtime.close();
  }
}
