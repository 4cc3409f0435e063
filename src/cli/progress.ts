// Progress on stderr: a cli-progress bar on a terminal (files, bytes, rate, ETA), plain
// lines every few seconds otherwise (logs, CI, `| tee`), so stdout keeps only results.
import cliProgress from 'cli-progress';
import { formatBytes } from '../ingest/checksum.ts';

export interface Progress {
  /** `done` counts items; `bytes` (when the progress has a byte total) the bytes behind them. */
  update(done: number, bytes?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit: string;
  /** With a byte total, the bar, rate and ETA follow bytes rather than items. */
  totalBytes?: number;
  stream?: NodeJS.WriteStream;
  /** Plain-line interval when stderr is not a terminal. */
  intervalMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const byBytes = options.totalBytes !== undefined;
  let done = 0;
  let bytes = 0;

  const describe = () => {
    const elapsed = Math.max((Date.now() - started) / 1000, 0.001);
    const parts = [`${done}/${options.total} ${options.unit}`];
    let eta: number;
    if (byBytes) {
      const rate = bytes / elapsed;
      parts.push(`${formatBytes(bytes)}/${formatBytes(options.totalBytes!)}`, `${formatBytes(Math.round(rate))}/s`);
      eta = rate > 0 ? (options.totalBytes! - bytes) / rate : Number.POSITIVE_INFINITY;
    } else {
      const rate = done / elapsed;
      parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)} ${options.unit}/s`);
      eta = rate > 0 ? (options.total - done) / rate : Number.POSITIVE_INFINITY;
    }
    parts.push(done >= options.total ? `${formatDuration(elapsed)} elapsed` : `ETA ${formatDuration(eta)}`);
    return parts.join(' | ');
  };
  const barValue = () => (byBytes ? bytes : done);
  const barTotal = () => Math.max(1, byBytes ? options.totalBytes! : options.total);

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${options.label} |{bar}| {text}`, barsize: 28, fps: 5, hideCursor: true, barCompleteChar: '\u2588', barIncompleteChar: '\u2591' },
      cliProgress.Presets.shades_classic,
    );
    bar.start(barTotal(), 0, { text: describe() });
    return {
      update(d, b) {
        done = d;
        if (b !== undefined) bytes = b;
        bar.update(barValue(), { text: describe() });
      },
      stop() {
        bar.update(barValue(), { text: describe() });
        bar.stop();
      },
    };
  }

  let printed = '';
  const print = () => {
    const line = `${options.label}: ${describe()}`;
    if (line !== printed) stream.write(line + '\n');
    printed = line;
  };
  const timer = setInterval(print, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    update(d, b) {
      done = d;
      if (b !== undefined) bytes = b;
    },
    stop() {
      clearInterval(timer);
      print();
    },
  };
}

/**
 * Ctrl-C once: finish what is in progress (`interrupted()` turns true), or with `pause`,
 * say so and stop it (`then`); twice: quit at once.
 * Call `dispose()` when the command ends.
 */
export function catchInterrupt(whatIsFinished: string, pause?: { say: string; then(): void }): { interrupted(): boolean; dispose(): void } {
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\n${pause ? pause.say : `stopping after ${whatIsFinished}`} (press Ctrl-C again to quit at once)\n`);
    pause?.then();
  };
  process.on('SIGINT', onSignal);
  return { interrupted: () => interrupted, dispose: () => process.off('SIGINT', onSignal) };
}
