// `npx shoebox <command>`: what a person does by hand. Reads the same config as the
// server; never opens a DATA_DIR that a running server holds (goes through it instead).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfigOrExplain, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { CommandError } from '../admin/commands.ts';
import { describeStartError } from '../start-errors.ts';
import { runAdminCommand } from './admin-client.ts';
import { readNewPassword } from './read-password.ts';
import { fsckCommand } from './fsck.ts';
import { importCommand } from './import.ts';
import { rebuildCommand } from './rebuild.ts';
import { uploadCommand } from './upload.ts';
import { backupCommand } from './backup.ts';
import { restoreCommand } from './restore.ts';
import { NoLibraryError } from '../storage/library-check.ts';

export interface CliContext {
  config: Config;
  log: Logger;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: (line: string) => void;
}

export interface CliCommand {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Resolves with the exit code when it is not 0 (e.g. fsck: problems remain). */
  run(ctx: CliContext): Promise<void | number>;
}

const passwordOptions = {
  email: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

const newLibraryLine = (config: Config) =>
  `created a new library in DATA_DIR=${config.dataDir}${config.databaseUrl ? ' and its tables in the DATABASE_URL database' : ''}`;

/** `creates`: the command may start a new library where there is none (and says so). */
function accountCommand(adminName: string, summary: string, done: string, creates: boolean): CliCommand {
  return {
    summary,
    usage: `shoebox ${adminName} --email E [--password-stdin]`,
    options: passwordOptions,
    async run({ config, log, values, out }) {
      if (typeof values.email !== 'string') throw new CommandError('--email is required');
      const password = await readNewPassword(values['password-stdin'] === true);
      const { result, created } = await runAdminCommand(config, log, adminName, { email: values.email, password }, { create: creates });
      if (created) out(newLibraryLine(config));
      out(`${done}: ${(result as { user: { email: string } }).user.email}`);
    },
  };
}

const commands: Record<string, CliCommand> = {
  'create-owner': accountCommand('create-owner', 'create the owner account (only one is allowed); starts a new library if there is none', 'owner created', true),
  'reset-password': accountCommand('reset-password', "set a user's password and end all of their sessions", 'password changed, sessions ended', false),
  migrate: {
    summary: 'apply pending database migrations (the server also does this at start); starts a new library if there is none',
    usage: 'shoebox migrate',
    async run({ config, log, out }) {
      const { where, result, created } = await runAdminCommand(config, log, 'migrate', {}, { create: true });
      if (created) out(newLibraryLine(config));
      const { applied } = result as { applied: string[] };
      out(`database is up to date: ${applied.length} migrations applied${where === 'server' ? ' (checked through the running server)' : ''}`);
    },
  },
  import: importCommand,
  upload: uploadCommand,
  rebuild: rebuildCommand,
  fsck: fsckCommand,
  backup: backupCommand,
  restore: restoreCommand,
};

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: shoebox <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from the environment and ./.env (DATA_DIR, DATABASE_URL, ...).',
    "Run 'shoebox <command> --help' for a command's options.",
  ].join('\n');
}

export async function runCli(argv: string[], out = (line: string) => process.stdout.write(line + '\n')): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(helpText());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`shoebox: unknown command '${name}'\n\n${helpText()}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { help: { type: 'boolean', short: 'h' }, ...command.options }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`shoebox ${name}: ${(err as Error).message}\nUsage: ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    out(`Usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  const config = loadConfigOrExplain();
  if (!config) return 2;
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  try {
    const code = await command.run({ config, log, values: parsed.values as CliContext['values'], positionals: parsed.positionals, out });
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof NoLibraryError) {
      process.stderr.write(`shoebox ${name}: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof CommandError ? err.message : describeStartError(err, config);
    process.stderr.write(`shoebox ${name}: ${message}\n`);
    if (config.logLevel === 'debug') process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
