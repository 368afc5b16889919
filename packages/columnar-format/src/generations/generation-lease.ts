/**
 * Leases on dataset generations (FORMAT.md, "Leases"): a reader or writer holds a generation by a file
 * `<generation>/.leases/<owner token>.lease`; garbage collection removes only generations without a live
 * lease. Released by {@link GenerationLease.release} or, at the latest, when the process exits.
 */

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetGenerationError } from '../errors.js';
import { MANIFEST_FILE_NAME } from '../manifest.js';
import { LEASES_DIR_NAME, REMOVING_MARKER_NAME, readCurrentGeneration } from './dataset-layout.js';
import { isOwnerAlive, newOwnerToken, parseOwnerToken, thisHost } from './process-owner.js';

/** File name extension of lease files. */
export const LEASE_FILE_EXTENSION = '.lease';

/**
 * Attempts of {@link leaseGeneration} before it gives up (with pauses of 1, 2, … 10 ms between them,
 * ~0.45 s in all): each failed attempt means a collector was removing the generation just resolved, so
 * 50 in a row only happen when generations are replaced faster than a lease file can be written.
 */
const MAX_LEASE_ATTEMPTS = 50;

/** A held generation (see {@link leaseGeneration}). */
export interface GenerationLease {
  /** Dataset folder (holds `CURRENT`). */
  readonly datasetDir: string;
  /** Generation folder name, `gen-…`. */
  readonly generation: string;
  /** `datasetDir/generation`. */
  readonly generationDir: string;
  /**
   * The lease file; `undefined` when the generation folder is not writable by this process (read-only
   * storage or another user's dataset): the reader then holds no lease (FORMAT.md, "Leases").
   */
  readonly path: string | undefined;
  /** Removes the lease file. Idempotent. */
  release(): void;
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks `min(attempt + 1, 10)` ms between lease attempts (synchronous: `Dataset.open` is). */
function pause(attempt: number): void {
  Atomics.wait(pauseCell, 0, 0, Math.min(attempt + 1, 10));
}

/** Lease files held by this process, removed on exit (a process killed by a signal leaves stale ones). */
const held = new Set<string>();
let exitHookInstalled = false;

function remember(path: string): void {
  held.add(path);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of held) rmSync(p, { force: true });
    held.clear();
  });
}

/**
 * Leases a generation of the dataset at `datasetDir`: the one `CURRENT` names (resolved once per
 * attempt), or `generation` when given (pinned: an error if it was removed).
 *
 * Protocol (the collector's side is in `collect-generations.ts`): resolve the generation; create the
 * lease file (exclusive create; ENOENT means the generation was removed: resolve again); then check the
 * generation's `.removing` marker: a marker of a live collector means it may be removing the generation
 * and did not see this lease, so the lease is dropped and the pointer resolved again. A collector
 * removes a generation only after writing its marker and then finding no live lease, so a reader that
 * passed the marker check holds a generation that stays on disk until the lease is released.
 *
 * @throws DatasetGenerationError when `CURRENT` is missing or invalid, a pinned generation was removed,
 *   or 50 attempts in a row found the resolved generation removed.
 */
export function leaseGeneration(datasetDir: string, generation?: string): GenerationLease {
  for (let attempt = 0; attempt < MAX_LEASE_ATTEMPTS; attempt++) {
    const gen = generation ?? readCurrentGeneration(datasetDir);
    if (gen === undefined) {
      throw new DatasetGenerationError(
        `${datasetDir} is not a dataset folder: no CURRENT generation pointer`,
        {
          path: datasetDir,
          field: 'CURRENT',
        },
      );
    }
    const generationDir = join(resolve(datasetDir), gen); // absolute: the lease survives a chdir
    const token = newOwnerToken();
    const path = join(generationDir, LEASES_DIR_NAME, `${token}${LEASE_FILE_EXTENSION}`);
    const body = `${JSON.stringify({ pid: process.pid, host: thisHost(), createdAt: new Date().toISOString() })}\n`;
    try {
      writeFileSync(path, body, { flag: 'wx' });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        return makeLease(datasetDir, gen, generationDir, undefined);
      }
      if (code !== 'ENOENT') {
        throw new DatasetGenerationError(`${path}: cannot write a lease: ${(cause as Error).message}`, {
          path,
          field: gen,
          cause,
        });
      }
      // A current generation is never being removed, so a missing lease folder there means a folder
      // mmtape did not write (a generation being removed loses it only once it is no longer current).
      if (
        generation === undefined &&
        !existsSync(join(generationDir, LEASES_DIR_NAME)) &&
        existsSync(join(generationDir, MANIFEST_FILE_NAME)) &&
        readCurrentGeneration(datasetDir) === gen
      ) {
        throw new DatasetGenerationError(
          `${generationDir}: generation has no ${LEASES_DIR_NAME} folder; it was not written by mmtape (FORMAT.md, "Dataset folder")`,
          { path: generationDir, field: LEASES_DIR_NAME, expected: `a ${LEASES_DIR_NAME} folder`, cause },
        );
      }
      if (generation !== undefined) throw removedError(datasetDir, gen, cause);
      pause(attempt);
      continue; // removed between resolving CURRENT and writing the lease: resolve again
    }
    remember(path);
    if (!isBeingRemoved(generationDir)) return makeLease(datasetDir, gen, generationDir, path);
    rmSync(path, { force: true });
    held.delete(path);
    if (generation !== undefined) throw removedError(datasetDir, gen);
    pause(attempt); // the collector deletes its marker or the generation within a few file operations
  }
  throw new DatasetGenerationError(
    `${datasetDir}: the generation named by CURRENT was removed ${MAX_LEASE_ATTEMPTS} times in a row before it could be leased`,
    { path: datasetDir, field: 'CURRENT', expected: 'a generation that stays while it is leased' },
  );
}

/**
 * Number of live leases of the generation folder `generationDir`; stale lease files (owner process gone)
 * are deleted on the way. Files that are not leases are ignored.
 */
export function countLiveLeases(generationDir: string): number {
  const dir = join(generationDir, LEASES_DIR_NAME);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const host = thisHost();
  let live = 0;
  for (const name of names) {
    if (!name.endsWith(LEASE_FILE_EXTENSION)) continue;
    const owner = parseOwnerToken(name.slice(0, -LEASE_FILE_EXTENSION.length));
    if (owner === undefined) continue;
    if (isOwnerAlive(owner) || leaseHost(join(dir, name)) !== host) live++;
    else rmSync(join(dir, name), { force: true });
  }
  return live;
}

/** True when a live collector's `.removing` marker is in the generation (a dead collector's is ignored). */
export function isBeingRemoved(generationDir: string): boolean {
  let token: string;
  try {
    token = readFileSync(join(generationDir, REMOVING_MARKER_NAME), 'utf8').trim();
  } catch {
    return false;
  }
  const owner = parseOwnerToken(token);
  return owner !== undefined && isOwnerAlive(owner);
}

/** Host recorded in a lease file; this host when the file cannot be read (a half-written lease of ours). */
function leaseHost(path: string): string {
  try {
    const host = (JSON.parse(readFileSync(path, 'utf8').slice(0, 4096)) as { host?: unknown }).host;
    return typeof host === 'string' ? host : thisHost();
  } catch {
    return thisHost();
  }
}

function makeLease(
  datasetDir: string,
  generation: string,
  generationDir: string,
  path: string | undefined,
): GenerationLease {
  return {
    datasetDir,
    generation,
    generationDir,
    path,
    release(): void {
      if (path === undefined || !held.has(path)) return;
      rmSync(path, { force: true });
      held.delete(path);
    },
  };
}

function removedError(datasetDir: string, generation: string, cause?: unknown): DatasetGenerationError {
  return new DatasetGenerationError(
    `${join(datasetDir, generation)}: generation was removed (a newer one was published and no lease held this one); open the dataset again`,
    { path: join(datasetDir, generation), field: generation, ...(cause === undefined ? {} : { cause }) },
  );
}

/** Creates a lease file for `token` in `generationDir` (the writer's lease on the generation it builds). */
export function writeOwnLease(generationDir: string, token: string): string {
  const path = join(generationDir, LEASES_DIR_NAME, `${token}${LEASE_FILE_EXTENSION}`);
  writeFileSync(
    path,
    `${JSON.stringify({ pid: process.pid, host: thisHost(), createdAt: new Date().toISOString() })}\n`,
    {
      flag: 'wx',
    },
  );
  remember(path);
  return path;
}

/** Removes a lease file written by {@link writeOwnLease} (at its current path). */
export function dropOwnLease(path: string, originalPath: string = path): void {
  rmSync(path, { force: true });
  held.delete(originalPath);
}
