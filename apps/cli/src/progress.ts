import cliProgress from 'cli-progress';
import { formatBytes } from './format-bytes.js';

/** A progress sink for long work: a bar on a TTY, plain lines otherwise, nothing when quiet. */
export interface Progress {
  /**
   * Starts a task of `total` units (files, events, windows); with `unit: 'bytes'` the counts are bytes
   * and print as `12.0 MiB/1.5 GiB`.
   */
  start(label: string, total: number, unit?: 'bytes'): void;
  /** Sets the number of units done. */
  update(done: number): void;
  /** Ends the task. */
  stop(): void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** No output at all (`--quiet` or `--json`). */
  quiet: boolean;
  /** Draw a bar (stderr is a TTY). Otherwise print a line at most every `lineIntervalMs`. */
  tty: boolean;
  /** Minimum time between plain progress lines, ms. Default 2000. */
  lineIntervalMs?: number;
}

/**
 * Creates a progress sink writing to stderr (so stdout stays clean for `--json` and piping).
 * On a TTY it uses cli-progress; otherwise it degrades to one plain line every 2 s and a final line.
 */
export function createProgress(options: ProgressOptions): Progress {
  if (options.quiet) return { start() {}, update() {}, stop() {} };
  if (options.tty) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(label, total, unit) {
        bar = new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
            stream: process.stderr,
            hideCursor: true,
            ...(unit === 'bytes'
              ? {
                  formatValue: (v: number, _o: unknown, type: string) =>
                    type === 'value' || type === 'total' ? formatBytes(v) : String(v),
                }
              : {}),
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(total, 1), 0);
      },
      update(done) {
        bar?.update(done);
      },
      stop() {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  const intervalMs = options.lineIntervalMs ?? 2000;
  let label = '';
  let total = 0;
  let last = 0;
  let current = 0;
  let show: (n: number) => string = String;
  return {
    start(l, t, unit) {
      label = l;
      total = t;
      last = Date.now();
      current = 0;
      show = unit === 'bytes' ? formatBytes : String;
    },
    update(done) {
      current = done;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        process.stderr.write(`${label}: ${show(done)}/${show(total)}\n`);
      }
    },
    stop() {
      process.stderr.write(`${label}: ${show(current)}/${show(total)} done\n`);
    },
  };
}
