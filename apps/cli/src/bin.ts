#!/usr/bin/env node
import { main } from './main.js';

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
  async (error: unknown) => {
    const { describeError, exitCodeFor } = await import('./cli-error.js');
    console.error(`mmtape: internal error: ${describeError(error)}`);
    process.exitCode = exitCodeFor(error);
  },
);
