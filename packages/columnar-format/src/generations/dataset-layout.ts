/**
 * Names of the dataset folder layout (FORMAT.md, "Dataset folder"): the generation pointer `CURRENT`,
 * generation folders `gen-<id>/`, their lease folder, and the temp names of writers. Reading and
 * publishing the pointer.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@mmtape/errors';
import { DatasetGenerationError } from '../errors.js';
import { MANIFEST_FILE_NAME } from '../manifest.js';
import { newOwnerToken } from './process-owner.js';

/** The generation pointer: one line, the name of the published generation folder (e.g. `gen-…\n`). */
export const CURRENT_FILE_NAME = 'CURRENT';
/** Prefix of generation folders: `gen-<UTC time yyyymmddThhmmssSSSZ>-<6 hex digits>`. */
export const GENERATION_PREFIX = 'gen-';
/** Prefix of a generation being built: `.tmp-<owner token>` (process-owner.ts). */
export const TEMP_GENERATION_PREFIX = '.tmp-';
/** Prefix of the pointer being written: `CURRENT.tmp-<owner token>`. */
export const TEMP_CURRENT_PREFIX = `${CURRENT_FILE_NAME}.tmp-`;
/** Folder inside a generation holding one `<owner token>.lease` file per reader or writer. */
export const LEASES_DIR_NAME = '.leases';
/** Marker a garbage collector writes into a generation it is about to remove (content: its owner token). */
export const REMOVING_MARKER_NAME = '.removing';

/**
 * Largest `CURRENT` file read, bytes: a generation name is under 40 bytes, so anything longer is not a
 * pointer (and a pointer symlinked to `/dev/zero` cannot make the reader allocate without bound).
 */
const MAX_POINTER_BYTES = 256;

const GENERATION_PATTERN = /^gen-[0-9A-Za-z_-]{1,100}$/;

/** True when `name` is a generation folder name (`gen-…`, letters, digits, `_` and `-` only). */
export function isGenerationName(name: string): boolean {
  return GENERATION_PATTERN.test(name);
}

/** A fresh generation name `gen-<UTC time>-<6 hex digits>`; names sort by creation time. */
export function newGenerationName(now: Date = new Date()): string {
  const time = now.toISOString().replace(/[-:.]/g, '');
  return `${GENERATION_PREFIX}${time}-${randomBytes(3).toString('hex')}`;
}

/**
 * The generation `CURRENT` names, or `undefined` when `datasetDir` has no `CURRENT` (nothing published).
 * @throws DatasetGenerationError when `CURRENT` is not a regular file of at most 256 bytes holding one
 *   generation name, or cannot be read.
 */
export function readCurrentGeneration(datasetDir: string): string | undefined {
  const path = join(datasetDir, CURRENT_FILE_NAME);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatasetGenerationError(
      `${path}: cannot read the generation pointer: ${(cause as Error).message}`,
      {
        path,
        field: CURRENT_FILE_NAME,
        cause,
      },
    );
  }
  let text: string;
  try {
    if (!fstatSync(fd).isFile()) {
      throw new DatasetGenerationError(`${path}: the generation pointer is not a regular file`, {
        path,
        field: CURRENT_FILE_NAME,
        expected: 'a regular file',
      });
    }
    const bytes = Buffer.alloc(MAX_POINTER_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < bytes.length; n += r) r = readSync(fd, bytes, n, bytes.length - n, n);
    if (n > MAX_POINTER_BYTES) {
      throw new DatasetGenerationError(
        `${path}: the generation pointer has more than ${MAX_POINTER_BYTES} bytes; expected one generation name`,
        { path, field: CURRENT_FILE_NAME, expected: `at most ${MAX_POINTER_BYTES} bytes` },
      );
    }
    text = bytes.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const name = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (!isGenerationName(name)) {
    throw new DatasetGenerationError(
      `${path}: the generation pointer holds ${JSON.stringify(name.slice(0, 80))}, expected a generation name "gen-…"`,
      { path, field: CURRENT_FILE_NAME, expected: 'gen-<id>', actual: name.slice(0, 80) },
    );
  }
  return name;
}

/**
 * Publishes `generation` as the dataset's current one: writes `CURRENT.tmp-<owner>`, fsyncs it (when
 * `durable`), renames it onto `CURRENT` (atomic: a reader sees the old or the new pointer, never a mix)
 * and fsyncs the dataset folder. The generation folder must be complete before this is called.
 */
export function publishGeneration(datasetDir: string, generation: string, durable = true): void {
  writeFileAtomic(join(datasetDir, CURRENT_FILE_NAME), `${generation}\n`, {
    tempPath: join(datasetDir, `${TEMP_CURRENT_PREFIX}${newOwnerToken()}`),
    durable,
    what: 'generation pointer',
  });
  if (durable) fsyncDirectory(datasetDir);
}

/**
 * Where `path` points: a dataset folder (it holds `CURRENT`; `generation` undefined: the reader resolves
 * the pointer) or one generation folder `…/gen-<id>` holding `manifest.json` (that generation, pinned).
 * @throws DatasetGenerationError when it is neither.
 */
export function locateDataset(path: string): { datasetDir: string; generation: string | undefined } {
  if (existsSync(join(path, CURRENT_FILE_NAME))) return { datasetDir: path, generation: undefined };
  const name = basename(path);
  if (isGenerationName(name) && existsSync(join(path, MANIFEST_FILE_NAME))) {
    return { datasetDir: dirname(path), generation: name };
  }
  throw new DatasetGenerationError(
    `${path} is not a dataset folder: no ${CURRENT_FILE_NAME} generation pointer${existsSync(path) ? '' : ' (the folder does not exist)'}`,
    { path, field: CURRENT_FILE_NAME, expected: `${CURRENT_FILE_NAME} naming a generation folder` },
  );
}

/** fsync of a directory (makes renames inside it durable); ignored where the platform refuses it. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
