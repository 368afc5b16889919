/**
 * The output folder of `packDataset` / `hydrateDataset`: written through `writeDirAtomic` (temp folder
 * beside it, renamed into place when complete), replaced under `overwrite` only when it is recognisably
 * what the command writes (a pack for `pack`, a dataset for `hydrate`), and never overlapping the input.
 *
 * @module
 */

import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { writeDirAtomic } from '@mmtape/errors';
import { isMmtapeError, type OutputExistsError } from '../errors.js';
import { CURRENT_FILE_NAME, readCurrentGeneration } from '../generations/dataset-layout.js';
import { MANIFEST_FILE_NAME } from '../manifest.js';
import { PackError } from './pack-errors.js';
import { PACK_FORMAT, PACK_INDEX_FILE } from './pack-format.js';

/**
 * Largest manifest.json / pack.json read to decide whether a folder may be replaced: 256 MiB, far above
 * the index of a 3,000-symbol, 250-partition dataset (~60 MB), small enough never to exhaust memory.
 */
const MAX_INDEX_PROBE_BYTES = 256 * 1024 * 1024;

/**
 * `format` of the JSON file `name` in `dir` (regular file, at most 256 MiB, a JSON object), or a
 * description of why it has none.
 */
function formatOf(dir: string, name: string): { format: unknown } | string {
  const path = join(dir, name);
  let fd: number;
  try {
    if (!lstatSync(path).isFile()) return `${name} is not a regular file`;
    fd = openSync(path, 'r');
  } catch {
    return `no ${name}`;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_INDEX_PROBE_BYTES) return `${name} is larger than ${MAX_INDEX_PROBE_BYTES} bytes`;
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    const value = JSON.parse(new TextDecoder().decode(bytes.subarray(0, at))) as unknown;
    if (typeof value !== 'object' || value === null) return `${name} is not a JSON object`;
    return { format: (value as { format?: unknown }).format };
  } catch {
    return `${name} is not valid JSON`;
  } finally {
    closeSync(fd);
  }
}

/** `true` when `dir` holds a pack.json of format `mmtape-pack`, else what was found instead. */
export function isMmtapePackDir(dir: string): true | string {
  const r = formatOf(dir, PACK_INDEX_FILE);
  if (typeof r === 'string') {
    return isMmtapeDatasetDir(dir) === true ? 'it is an mmtape dataset (manifest.json), not a pack' : r;
  }
  return r.format === PACK_FORMAT || `${PACK_INDEX_FILE} has format ${JSON.stringify(r.format)}`;
}

/**
 * `true` when `dir` is an mmtape dataset (a `CURRENT` pointer naming a generation whose manifest.json has
 * format `mmtape-dataset`, FORMAT.md "Dataset folder"), else what was found instead.
 */
export function isMmtapeDatasetDir(dir: string): true | string {
  let generation: string | undefined;
  try {
    generation = readCurrentGeneration(dir);
  } catch (e) {
    return `its ${CURRENT_FILE_NAME} is invalid (${(e as Error).message})`;
  }
  if (generation === undefined) {
    const pack = formatOf(dir, PACK_INDEX_FILE);
    return typeof pack !== 'string' && pack.format === PACK_FORMAT
      ? 'it is an mmtape pack (pack.json), not a dataset'
      : `it has no ${CURRENT_FILE_NAME} pointer`;
  }
  const r = formatOf(join(dir, generation), MANIFEST_FILE_NAME);
  if (typeof r === 'string') return r;
  return r.format === 'mmtape-dataset' || `${MANIFEST_FILE_NAME} has format ${JSON.stringify(r.format)}`;
}

/**
 * Refuses an output folder that is the input folder, inside it or around it.
 *
 * @throws PackError `MMTAPE_PACK_INVALID_OPTIONS`.
 */
export function assertNoOverlap(inputDir: string, outDir: string): void {
  const a = realish(inputDir);
  const b = realish(outDir);
  if (a === b || a.startsWith(b + sep) || b.startsWith(a + sep)) {
    throw new PackError(
      'MMTAPE_PACK_INVALID_OPTIONS',
      `output ${outDir} and input ${inputDir} overlap (the same folder, or one inside the other); choose another output`,
      { path: outDir, expected: 'an output folder outside the input', actual: outDir },
    );
  }
}

/** `path` with symbolic links resolved as far as it exists (the rest appended), for overlap checks. */
function realish(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs
      ? abs
      : join(realish(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

/**
 * Writes the output folder `outDir` of a pack (`kind: 'pack'`) or hydrate (`kind: 'dataset'`) from
 * `inputDir` atomically (see `writeDirAtomic`): `build` fills a temp folder beside `outDir`, which is
 * renamed into place only when `build` returns. Under `overwrite`, an existing `outDir` is replaced only
 * when it is a pack (`kind: 'pack'`) or a dataset (`kind: 'dataset'`) of mmtape; the previous copy
 * stays until the new one is in place.
 *
 * @throws PackError `MMTAPE_PACK_INVALID_OPTIONS` (`outDir` and `inputDir` are the same folder or one is
 *   inside the other), `MMTAPE_PACK_OUTPUT_EXISTS` (non-empty `outDir` without `overwrite`, or not
 *   replaceable: the message says what was found), any error of `build`.
 */
export async function writePackOutput<T>(
  kind: 'pack' | 'dataset',
  inputDir: string,
  outDir: string,
  overwrite: boolean,
  build: (tmpDir: string) => Promise<T>,
): Promise<T> {
  assertNoOverlap(inputDir, outDir);
  try {
    return await writeDirAtomic(outDir, build, {
      overwrite,
      isReplaceable: kind === 'pack' ? isMmtapePackDir : isMmtapeDatasetDir,
      replaceableDescription:
        kind === 'pack' ? `an mmtape pack (${PACK_INDEX_FILE})` : `an mmtape dataset (${CURRENT_FILE_NAME})`,
    });
  } catch (e) {
    if (isMmtapeError(e, 'MMTAPE_OUTPUT_EXISTS')) {
      const { actual: found, expected } = e as OutputExistsError;
      throw new PackError('MMTAPE_PACK_OUTPUT_EXISTS', e.message, {
        path: outDir,
        ...(expected !== undefined ? { expected } : {}),
        ...(found !== undefined ? { actual: found } : {}),
        cause: e,
      });
    }
    throw e;
  }
}
