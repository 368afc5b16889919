#!/usr/bin/env node

import { ExitCode } from './exit-codes.js';
import { main } from './main.js';

// `mmtape --help | head` closes the pipe early: that is not an error. Any other failure to write the
// result (`> /dev/full`: ENOSPC, a read-only or vanished target) is an I/O error: exit 4 with one line on
// stderr (if stderr itself fails there is nowhere left to say it), never a stack trace and never exit 0.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) {
      try {
        process.stderr.write(`mmtape: cannot write the output: ${error.code ?? error.message}\n`);
      } catch {}
    }
    process.exit(ExitCode.io);
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
