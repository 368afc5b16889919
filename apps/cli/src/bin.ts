#!/usr/bin/env node

import nodeModule from 'node:module';
import { ExitCode } from './exit-codes.js';

// Node >= 22.1 keeps V8's compiled code of the modules a command loads in an on-disk cache (a folder of
// the OS temp dir, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), as TypeScript's
// `tsc` does. Enabled before the command's modules are imported, so they are compiled through it.
// Measured with Node 24, one-shot `mmtape replay` of 3,000 symbols, 10 alternating runs: wall median
// 1,177 -> 1,042 ms. Node 20 has no such cache: a no-op there.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('./main.js');

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
