import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeFrame } from '@mmtape/compression';
import { checkOutDir } from '../dataset-writer.js';
import { isMmtapeError } from '../errors.js';
import { GenerationBuilder } from '../generations/generation-builder.js';
import { sha256Hex, writeNewFile } from './pack-dataset.js';
import { PackError } from './pack-errors.js';
import { assertNoOverlap } from './pack-output.js';
import { openPackedDataset, PackedColumnFile } from './packed-dataset.js';

/** Options of {@link hydrateDataset}. */
export interface HydrateDatasetOptions {
  /**
   * Replace a non-empty `outDir`, only when it is an mmtape dataset (its manifest.json has format
   * `mmtape-dataset`); any other folder is refused. Default `false` (throws `MMTAPE_PACK_OUTPUT_EXISTS`).
   * The previous dataset stays in place until the new one is complete.
   */
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
 * Contained: every path of pack.json is checked before anything is read or written (no `..`, absolute
 * path, backslash or NUL, nothing resolving outside `outDir`). Atomic: the files are written into
 * `.<name>.tmp-<pid>-<random>` beside `outDir`, which is renamed into place only when every file is
 * written and verified; on any error, or if the process dies, `outDir` is absent or the previous copy.
 *
 * @throws PackError `MMTAPE_PACK_OUTPUT_EXISTS` (non-empty `outDir` without `overwrite`, or with
 *   `overwrite` a folder that is not an mmtape dataset), `MMTAPE_PACK_INVALID_OPTIONS` (`outDir` and
 *   `packedDir` overlap), `MMTAPE_PACK_NOT_FOUND`, `MMTAPE_PACK_UNSAFE_PATH` (a path of pack.json
 *   leaves the folder), `MMTAPE_PACK_CORRUPT` (a frame fails its CRC-32 or decoding),
 *   `MMTAPE_PACK_VERIFY_FAILED` (SHA-256 mismatch: `expected`/`actual`).
 */
export async function hydrateDataset(
  packedDir: string,
  outDir: string,
  options: HydrateDatasetOptions = {},
): Promise<HydrateReport> {
  assertNoOverlap(packedDir, outDir);
  const packed = openPackedDataset(packedDir); // validates every path of pack.json
  try {
    checkOutDir(resolve(outDir), options.overwrite ?? false); // a dataset, leftovers of a killed write, or empty
  } catch (e) {
    packed.close();
    throw isMmtapeError(e)
      ? new PackError('MMTAPE_PACK_OUTPUT_EXISTS', e.message, { path: outDir, cause: e })
      : e;
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
  // Segment files are rebuilt from their members (zeros between them).
  const segmentBytes = new Map<string, Uint8Array>();
  for (const s of segments) {
    if (!Number.isSafeInteger(s.byteLength) || s.byteLength < 0) {
      throw new PackError(
        'MMTAPE_PACK_CORRUPT',
        `segment ${s.path}: byteLength ${s.byteLength} is not a size`,
        {
          path: join(packedDir, 'pack.json'),
          actual: String(s.byteLength),
        },
      );
    }
    segmentBytes.set(s.path, new Uint8Array(s.byteLength));
  }
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
      writeNewFile(join(target, entry.path), data);
      bytes += data.length;
    } finally {
      file.close();
    }
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: entry.path });
  }
  for (const s of segments) {
    const data = segmentBytes.get(s.path)!;
    verify(s.path, data, s.sha256);
    writeNewFile(join(target, s.path), data);
    bytes += data.length;
    segmentBytes.delete(s.path);
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: s.path });
  }
  for (const other of packed.index.others) {
    const path = join(packedDir, other.packedPath);
    let data: Uint8Array;
    try {
      const fd = openSync(path, 'r');
      let frame: Uint8Array;
      try {
        const size = fstatSync(fd).size;
        if (size !== other.packedBytes) {
          throw new Error(`file has ${size} bytes, pack.json says ${other.packedBytes}`);
        }
        frame = new Uint8Array(size);
        for (let at = 0; at < size; ) {
          const n = readSync(fd, frame, at, size - at, at);
          if (n === 0) throw new Error(`file ends at byte ${at}`);
          at += n;
        }
      } finally {
        closeSync(fd);
      }
      data = await decodeFrame(frame);
    } catch (cause) {
      throw new PackError('MMTAPE_PACK_CORRUPT', `${path}: ${String(cause)}`, { path, cause });
    }
    verify(other.path, data, other.sha256);
    writeNewFile(join(target, other.path), data);
    bytes += data.length;
    options.onProgress?.({ filesDone: ++done, filesTotal: total, path: other.path });
  }
  return { files: total, bytes, verified: true };
}
