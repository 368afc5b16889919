#!/usr/bin/env node
import { THREAD_LIMIT_ENV } from '@mmtape/walk-forward';
import { describeError, exitCodeFor } from './cli-error.js';
import { main } from './main.js';

// One compute thread per worker for any native numeric library (OpenMP, MKL, OpenBLAS, BLIS, vecLib,
// numexpr), set before anything loads one, unless the user set them: the walk-forward pool already
// uses every core, so inner threading would only oversubscribe them.
for (const [name, value] of Object.entries(THREAD_LIMIT_ENV)) process.env[name] ??= value;

// `mmtape --help | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  // main() handles every error itself; this is only reached if building the command tree fails.
  (error: unknown) => {
    console.error(`mmtape: internal error: ${describeError(error)}`);
    process.exitCode = exitCodeFor(error);
  },
);
