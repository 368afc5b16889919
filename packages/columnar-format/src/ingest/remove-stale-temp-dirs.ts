/**
 * Removes the temp folders that killed ingests left behind (`.<name>.tmp-<pid>-<12 hex>`, see
 * `DatasetWriter`), so that they do not pile up next to a dataset.
 */

import { type Dirent, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A dataset writer's temp folder: `.<dataset folder name>.tmp-<pid>-<6 random bytes as hex>`. */
const TEMP_DIR_NAME = /^\..+\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Removes every dataset-writer temp folder in the parent folder of `outDir` whose process is gone: the
 * pid in its name is not this process and `process.kill(pid, 0)` fails with `ESRCH` (no such process).
 * A folder of a live process (or of a process we may not signal, `EPERM`) is left alone; so is
 * anything that is not a folder or does not match the name pattern exactly. Only the pid is checked: a
 * folder written by another machine or PID namespace into a shared folder looks dead when its pid is
 * not in use here, so do not point two machines' ingests at one parent folder at the same time.
 * @returns the folders removed (absolute paths). Failures to list or remove are ignored (best effort:
 *   a stale temp folder wastes space but never changes a dataset).
 */
export function removeStaleTempDirs(outDir: string): string[] {
  const parent = dirname(outDir);
  const removed: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(parent, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const m = TEMP_DIR_NAME.exec(e.name);
    if (m === null || !e.isDirectory()) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    const path = join(parent, e.name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // best effort
    }
  }
  return removed;
}

/** False only when no process has this pid (ESRCH). */
function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
