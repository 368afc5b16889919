import { closeSync, existsSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeFrame } from '@mmtape/compression';
import { CURRENT_FILE_NAME } from '../generations/dataset-layout.js';
import { GenerationBuilder } from '../generations/generation-builder.js';
import { sha256Hex, writeFileAtomic } from './pack-dataset.js';
import { PackError } from './pack-errors.js';
import { openPackedDataset, PackedColumnFile } from './packed-dataset.js';

/** Options of {@link hydrateDataset}. */
export interface HydrateDatasetOptions {
  /** Replace a non-empty `outDir`. Default `false` (throws `MMTAPE_PACK_OUTPUT_EXISTS`). */
  overwrite?: boolean;
  onProgress?: (progress: { filesDone: number; filesTotal: number; path: string }) => void;
}

/** What {@link hydrateDataset} wrote. */
export interface HydrateReport {
  outDir: string;
  /** The generation published inside `outDir` (`gen-…`, FORMAT.md "Dataset folder"). */
  generation: string;
  files: number;
  bytes: number;
  /** Every file matched its recorded SHA-256 (always true: a mismatch throws). */
  verified: true;
}

/**
 * Restores the mmap-able dataset folder from a packed copy: every file rebuilt byte for byte and
 * checked against the SHA-256 recorded at pack time, written into a new generation of `outDir` that is
 * published (pointer `CURRENT` renamed) only once every file is verified (FORMAT.md, "Dataset folder").
 * With `overwrite`, an existing dataset at `outDir` gets a new generation; its readers keep the old one.
 *
 * @throws PackError `MMTAPE_PACK_OUTPUT_EXISTS`, `MMTAPE_PACK_NOT_FOUND`, `MMTAPE_PACK_CORRUPT` (a frame
 *   fails its CRC-32 or decoding), `MMTAPE_PACK_VERIFY_FAILED` (SHA-256 mismatch: `expected`/`actual`).
 */
export async function hydrateDataset(
  packedDir: string,
  outDir: string,
  options: HydrateDatasetOptions = {},
): Promise<HydrateReport> {
  const packed = openPackedDataset(packedDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!options.overwrite) {
      throw new PackError('MMTAPE_PACK_OUTPUT_EXISTS', `${outDir} exists and is not empty (pass overwrite)`, {
        path: outDir,
      });
    }
    if (!existsSync(join(outDir, CURRENT_FILE_NAME))) rmSync(outDir, { recursive: true, force: true });
  }
  const builder = GenerationBuilder.begin(resolve(outDir));
  try {
    const report = await hydrateInto(packedDir, packed, builder.tempDir, options);
    const { generation } = builder.publish();
    return { ...report, outDir, generation };
  } catch (e) {
    builder.abort();
    throw e;
  } finally {
    packed.close();
  }
}

/** Writes every file of `packed` into `target` (a generation being built), verified. */
async function hydrateInto(
  packedDir: string,
  packed: ReturnType<typeof openPackedDataset>,
  target: string,
  options: HydrateDatasetOptions,
): Promise<{ files: number; bytes: number; verified: true }> {
  const segments = packed.index.segments ?? [];
  const members = packed.index.files.filter((e) => e.segment !== undefined).length;
  const total = packed.index.files.length - members + segments.length + packed.index.others.length;
  // Version 3: segment files are rebuilt from their members (zeros between them).
  const segmentBytes = new Map<string, Uint8Array>();
  for (const s of segments) segmentBytes.set(s.path, new Uint8Array(s.byteLength));
  let done = 0;
  let bytes = 0;
  const verify = (path: string, data: Uint8Array, expected: string): void => {
    const actual = sha256Hex(data);
    if (actual !== expected) {
      throw new PackError(
        'MMTAPE_PACK_VERIFY_FAILED',
        `hydrated ${path} has SHA-256 ${actual}, expected ${expected}`,
        {
          path,
          expected,
          actual,
        },
      );
    }
  };
  for (const entry of packed.index.files) {
    const file = new PackedColumnFile(packedDir, entry);
    try {
      const data = await file.readOriginalBytes();
      verify(entry.path, data, entry.sha256);
      if (entry.segment !== undefined) {
        const target = segmentBytes.get(entry.segment.path);
        if (target === undefined || entry.segment.offsetBytes + data.length > target.length) {
          throw new PackError(
            'MMTAPE_PACK_CORRUPT',
            `${entry.path}: member of ${entry.segment.path} does not fit the segment recorded in pack.json`,
            { path: entry.path, expected: target?.length, actual: entry.segment.offsetBytes + data.length },
          );
        }
        target.set(data, entry.segment.offsetBytes);
        continue;
      }
      writeFileAtomic(join(target, entry.path), data);
      bytes += data.length;
    } finally {
      file.close();
    }
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: entry.path });
  }
  for (const s of segments) {
    const data = segmentBytes.get(s.path)!;
    verify(s.path, data, s.sha256);
    writeFileAtomic(join(target, s.path), data);
    bytes += data.length;
    segmentBytes.delete(s.path);
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: s.path });
  }
  for (const other of packed.index.others) {
    const path = join(packedDir, other.packedPath);
    let data: Uint8Array;
    try {
      const fd = openSync(path, 'r');
      const frame = new Uint8Array(other.packedBytes);
      try {
        readSync(fd, frame, 0, frame.length, 0);
      } finally {
        closeSync(fd);
      }
      data = await decodeFrame(frame);
    } catch (cause) {
      throw new PackError('MMTAPE_PACK_CORRUPT', `${path}: ${String(cause)}`, { path, cause });
    }
    verify(other.path, data, other.sha256);
    writeFileAtomic(join(target, other.path), data);
    bytes += data.length;
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: other.path });
  }
  return { files: total, bytes, verified: true };
}
