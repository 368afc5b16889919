/**
 * Integrity check of a packed dataset without writing anything (`mmtape verify <pack>`): every frame is
 * decoded (each carries a CRC-32 that `@mmtape/compression` checks) and every rebuilt file is compared
 * with the SHA-256 recorded at pack time, as `hydrateDataset` would, but every problem is listed instead
 * of stopping at the first.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame } from '@mmtape/compression';
import { sha256Hex } from './pack-dataset.js';
import { openPackedDataset, PackedColumnFile } from './packed-dataset.js';

/** One problem found by {@link verifyPackedDataset}. */
export interface PackProblem {
  /** Path of the original file inside the dataset (as in pack.json). */
  path: string;
  /** Chunk index for a frame that fails to decode (CRC-32 or codec failure); absent for whole-file problems. */
  chunk?: number;
  /** Error code (`MMTAPE_PACK_CORRUPT`, `MMTAPE_PACK_VERIFY_FAILED`, …). */
  code: string;
  message: string;
}

/** Result of {@link verifyPackedDataset}. */
export interface PackVerifyReport {
  packedDir: string;
  /** Column files (and segment members) checked. */
  files: number;
  /** Chunks decoded. */
  chunks: number;
  /** Other files (stored whole) checked. */
  otherFiles: number;
  /** Every problem, in pack.json order; empty when the pack is intact. */
  problems: PackProblem[];
}

/**
 * Decodes every chunk of every packed column file and every other file of `packedDir`, and checks each
 * rebuilt file's SHA-256 against pack.json. Reports every bad chunk (not only the first).
 * @throws PackError `MMTAPE_PACK_NOT_FOUND` / `MMTAPE_PACK_CORRUPT` when pack.json itself cannot be read.
 */
export async function verifyPackedDataset(packedDir: string): Promise<PackVerifyReport> {
  const packed = openPackedDataset(packedDir);
  const problems: PackProblem[] = [];
  let chunks = 0;
  try {
    for (const entry of packed.index.files) {
      let file: PackedColumnFile;
      try {
        file = new PackedColumnFile(packedDir, entry);
      } catch (e) {
        problems.push(problemOf(entry.path, e));
        continue;
      }
      try {
        const before = problems.length;
        for (let k = 0; k < file.chunkCount; k++) {
          chunks++;
          try {
            await file.readChunk(k);
          } catch (e) {
            problems.push({ ...problemOf(entry.path, e), chunk: k });
          }
        }
        if (problems.length > before) continue;
        try {
          checkSha256(problems, entry.path, await file.readOriginalBytes(), entry.sha256);
        } catch (e) {
          problems.push(problemOf(entry.path, e));
        }
      } finally {
        file.close();
      }
    }
    for (const other of packed.index.others) {
      const path = join(packedDir, other.packedPath);
      try {
        const fd = openSync(path, 'r');
        const frame = new Uint8Array(other.packedBytes);
        try {
          readSync(fd, frame, 0, frame.length, 0);
        } finally {
          closeSync(fd);
        }
        checkSha256(problems, other.path, await decodeFrame(frame), other.sha256);
      } catch (e) {
        problems.push(problemOf(other.path, e));
      }
    }
  } finally {
    packed.close();
  }
  return {
    packedDir,
    files: packed.index.files.length,
    chunks,
    otherFiles: packed.index.others.length,
    problems,
  };
}

/**
 * Appends a `MMTAPE_PACK_VERIFY_FAILED` problem when the SHA-256 of the rebuilt bytes of `path` differs from
 * the `expectedSha256` (lowercase hex) recorded in pack.json.
 */
function checkSha256(problems: PackProblem[], path: string, data: Uint8Array, expectedSha256: string): void {
  const actual = sha256Hex(data);
  if (actual !== expectedSha256) {
    problems.push({
      path,
      code: 'MMTAPE_PACK_VERIFY_FAILED',
      message: `${path}: rebuilt file has SHA-256 ${actual}, pack.json says ${expectedSha256}`,
    });
  }
}

function problemOf(path: string, e: unknown): PackProblem {
  const code =
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
      ? (e as { code: string }).code
      : 'MMTAPE_PACK_CORRUPT';
  return { path, code, message: e instanceof Error ? e.message : String(e) };
}
