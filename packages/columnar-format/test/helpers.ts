import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCurrentGeneration } from '../src/index.js';

/** The project's seeded PRNG (mulberry32), shared by every package's tests. */
export { mulberry32 } from '@mmtape/test-utils';

import { writeXxh64 } from '../src/checksum.js';

/** Temp directories made by {@link scratchDir} in this test file, removed by {@link removeScratchDirs}. */
const scratchDirs: string[] = [];

/**
 * A fresh temp directory named `<prefix>XXXXXX`, removed with the others of the test file by
 * {@link removeScratchDirs} (register `afterAll(removeScratchDirs)` in the file).
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** Removes every directory {@link scratchDir} made in this test file. */
export function removeScratchDirs(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

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

/** The folder of the generation `CURRENT` names in dataset folder `datasetDir` (fails when none). */
export function currentGenerationDir(datasetDir: string): string {
  const gen = readCurrentGeneration(datasetDir);
  if (gen === undefined) throw new Error(`${datasetDir} has no CURRENT`);
  return join(datasetDir, gen);
}

/**
 * Every file of the current generation of dataset folder `outDir` as a string (column files base64, byte
 * for byte; manifest.json as JSON without `createdAt` and `source.inputs`, with `inDir` replaced by `<in>`
 * when given), keyed by file name. The generation's lease folder is left out.
 */
export function snapshot(outDir: string, inDir = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const genDir = currentGenerationDir(outDir);
  for (const name of readdirSync(genDir).sort()) {
    if (name === '.leases') continue;
    const bytes = readFileSync(join(genDir, name));
    if (name === 'manifest.json') {
      const m = JSON.parse(bytes.toString('utf8'));
      delete m.createdAt;
      const json = JSON.stringify({ ...m, source: { ...m.source, inputs: undefined } });
      out[name] = inDir === '' ? json : json.replaceAll(inDir, '<in>');
    } else out[name] = bytes.toString('base64');
  }
  return out;
}

/** File names of the current generation of dataset folder `datasetDir`, sorted, without its lease folder. */
export function dataFiles(datasetDir: string): string[] {
  return readdirSync(currentGenerationDir(datasetDir))
    .filter((n) => n !== '.leases')
    .sort();
}

/**
 * Recomputes the header checksum of column-file bytes `b` in place (FORMAT.md, "Header checksum"), so that a
 * test can corrupt a header field on purpose and reach the validation behind the checksum. A header
 * length outside the buffer is left alone (the reader rejects it before hashing).
 */
export function resealHeader(b: Buffer): Buffer {
  if (b.byteLength < 16) return b;
  const headerLengthBytes = b.readUInt32LE(12);
  if (headerLengthBytes >= 16 && headerLengthBytes <= b.byteLength) {
    writeXxh64(b, headerLengthBytes - 8, b.subarray(0, headerLengthBytes - 8));
  }
  return b;
}
