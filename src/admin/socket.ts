// The admin socket: a Unix socket in DATA_DIR through which CLI commands reach a running
// server that owns the embedded database. Only the OS user who owns DATA_DIR can reach it
// (DATA_DIR is 0700, the socket 0600). Protocol: POST /run/<command> with a JSON body,
// answered with the command's JSON result, or {error} and a 4xx/5xx status.
import { chmodSync, unlinkSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import type { AppDeps } from '../http/env.ts';
import { CommandError, type AdminCommands } from './commands.ts';

export function serveAdminSocket(path: string, deps: AppDeps, commands: AdminCommands): Promise<Server> {
  const app = new Hono();
  app.post('/run/:command', async (c) => {
    const name = c.req.param('command');
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) return c.json({ error: `unknown command ${name}` }, 404);
    try {
      return c.json({ result: await command(deps, await c.req.json()) });
    } catch (err) {
      if (err instanceof CommandError) return c.json({ error: err.message }, 400);
      deps.log.error('admin command failed', { command: name, error: (err as Error).stack });
      return c.json({ error: (err as Error).message }, 500);
    }
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    unlinkSync(path); // left by a server that died; we hold the lock now
  } catch {
    /* none */
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      resolve(server);
    });
  });
}

/** Sends one command to the server listening on `path`. */
export function callAdminSocket(path: string, command: string, input: unknown): Promise<unknown> {
  const body = JSON.stringify(input ?? {});
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: path, method: 'POST', path: `/run/${command}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as { result?: unknown; error?: string };
            if (res.statusCode === 200) resolve(parsed.result);
            else reject(new CommandError(parsed.error ?? `server answered ${res.statusCode}`));
          } catch {
            reject(new Error(`unreadable answer from the server's admin socket (${res.statusCode})`));
          }
        });
      },
    );
    req.on('error', (err) => reject(new Error(`cannot reach the running server's admin socket at ${path}: ${err.message}`)));
    req.end(body);
  });
}
