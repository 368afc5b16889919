/**
 * A result that cannot be written is an I/O error: `mmtape … > /dev/full` (every write ENOSPC) exits 4 with
 * one line on stderr, never exit 0 and never a stack trace. Spawns `node apps/cli/dist/bin.js`: run
 * `pnpm build` first.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('stdout that cannot be written', () => {
  it('exits 4 (I/O) with one message when stdout is /dev/full', () => {
    expect(existsSync('/dev/full')).toBe(true);
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, '--help'], {
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
      });
      expect(r.status).toBe(ExitCode.io);
      expect(r.stderr).toMatch(/mmtape: cannot write the output: ENOSPC/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      closeSync(full);
    }
  });
});
