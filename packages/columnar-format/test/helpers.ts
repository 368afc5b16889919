import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The project's seeded PRNG (mulberry32), shared by every package's tests. */
export { mulberry32 } from '@mmtape/test-utils';

/** A fresh temp directory and a cleanup function. */
export function tempDir(prefix = 'mmtape-cf-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Catches a synchronous throw and returns the error (fails when nothing is thrown). */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
