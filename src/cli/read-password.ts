// A password for the CLI: one line on stdin (--password-stdin), or typed at a hidden prompt.
import { createInterface } from 'node:readline';

export async function readPasswordLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  throw new Error('no password on stdin');
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          return resolve(typed);
        }
        if (ch === '\u0003') {
          cleanup();
          return reject(new Error('cancelled'));
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

export async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordLine();
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for a password: pass --password-stdin and send it on stdin');
  const first = await promptHidden('New password (at least 10 characters): ');
  const second = await promptHidden('Repeat it: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}
