/**
 * Garbage collection of a dataset folder (FORMAT.md, "Leases and garbage collection"): removes
 * generations that are neither current nor leased by a live process, and temp files of dead writers.
 */

import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isGenerationName,
  REMOVING_MARKER_NAME,
  readCurrentGeneration,
  TEMP_CURRENT_PREFIX,
  TEMP_GENERATION_PREFIX,
} from './dataset-layout.js';
import { countLiveLeases } from './generation-lease.js';
import { isOwnerAlive, newOwnerToken, parseOwnerToken } from './process-owner.js';

/** What {@link collectGenerations} did. */
export interface CollectGenerationsReport {
  datasetDir: string;
  /** Generation named by `CURRENT` (kept); `undefined` when nothing is published. */
  current: string | undefined;
  /** Superseded generations removed. */
  removedGenerations: string[];
  /** Superseded generations kept because a live process leases them (or another collector is removing them). */
  keptGenerations: { generation: string; liveLeases: number }[];
  /** Temp folders and pointer temp files of dead writers removed (`.tmp-…`, `CURRENT.tmp-…`). */
  removedTemp: string[];
}

/** Options of {@link collectGenerations}. */
export interface CollectGenerationsOptions {
  /** Generation never removed (a writer's freshly published one, in case `CURRENT` moved on). */
  keep?: string;
  /** Only report what would be removed. Default `false`. */
  dryRun?: boolean;
}

/**
 * Removes every generation folder of `datasetDir` that is not current and has no live lease, and the
 * temp folders/files of writers whose process is gone. Safe to run at any time, also while readers and
 * writers work (writers run it after each publish).
 *
 * For each superseded generation without a live lease: write the `.removing` marker (this process's owner
 * token), count live leases again, read `CURRENT` again, and only if there is still no lease and the
 * generation is still not current remove the folder; otherwise delete the marker and keep it. A reader
 * checks the marker after writing its lease (generation-lease.ts), so either the collector sees the lease
 * or the reader sees the marker and moves to the current generation.
 *
 * @throws DatasetGenerationError when `CURRENT` is invalid; Node.js I/O errors (EACCES, EROFS) unchanged.
 */
export function collectGenerations(
  datasetDir: string,
  options: CollectGenerationsOptions = {},
): CollectGenerationsReport {
  const dryRun = options.dryRun ?? false;
  // Listing comes first: a generation created after it is not looked at (and is leased by its writer).
  const names = readdirSync(datasetDir).sort();
  const report: CollectGenerationsReport = {
    datasetDir,
    current: readCurrentGeneration(datasetDir),
    removedGenerations: [],
    keptGenerations: [],
    removedTemp: [],
  };
  for (const name of names) {
    const prefix = name.startsWith(TEMP_GENERATION_PREFIX)
      ? TEMP_GENERATION_PREFIX
      : name.startsWith(TEMP_CURRENT_PREFIX)
        ? TEMP_CURRENT_PREFIX
        : undefined;
    if (prefix === undefined) continue;
    const owner = parseOwnerToken(name.slice(prefix.length));
    if (owner === undefined || isOwnerAlive(owner)) continue;
    if (!dryRun) rmSync(join(datasetDir, name), { recursive: true, force: true });
    report.removedTemp.push(name);
  }
  for (const name of names) {
    if (!isGenerationName(name) || name === report.current || name === options.keep) continue;
    const dir = join(datasetDir, name);
    const leases = countLiveLeases(dir);
    if (leases > 0 || dryRun) {
      if (leases > 0) report.keptGenerations.push({ generation: name, liveLeases: leases });
      else report.removedGenerations.push(name);
      continue;
    }
    const marker = join(dir, REMOVING_MARKER_NAME);
    const token = newOwnerToken();
    if (!claim(marker, token)) {
      report.keptGenerations.push({ generation: name, liveLeases: 0 });
      continue;
    }
    const again = countLiveLeases(dir);
    if (again > 0 || readCurrentGeneration(datasetDir) === name) {
      rmSync(marker, { force: true });
      report.keptGenerations.push({ generation: name, liveLeases: again });
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
    report.removedGenerations.push(name);
  }
  return report;
}

/**
 * Writes the `.removing` marker with `token`. False when a live collector holds it already or the
 * generation vanished; a dead collector's marker is replaced.
 */
function claim(marker: string, token: string): boolean {
  try {
    writeFileSync(marker, `${token}\n`, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  let holder: string;
  try {
    holder = readFileSync(marker, 'utf8').trim();
  } catch {
    return false;
  }
  const owner = parseOwnerToken(holder);
  if (owner !== undefined && isOwnerAlive(owner)) return false;
  writeFileSync(marker, `${token}\n`);
  return true;
}
