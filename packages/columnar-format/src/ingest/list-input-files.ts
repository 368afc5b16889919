/**
 * Expands ingest inputs (files and directories) into a list of files.
 */

import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidIngestOptionsError } from '../errors.js';

const INPUT_NAME = /\.(csv(\.gz)?|parquet)$/i;

/**
 * Lists the `*.csv` / `*.csv.gz` / `*.parquet` files under directory `dir`, recursively (a dataset that ships as
 * `sp500/individual_stocks_5yr/*.csv` or `ticks/2018/01/*.csv.gz` is ingested from its root folder), sorted by
 * path relative to `dir` (code-unit order). Entries whose name starts with `.` (`.git`, editor files) are skipped;
 * symbolic links are followed for files, not for directories (no cycles).
 */
function listDirectory(dir: string, add: (path: string) => void): void {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (INPUT_NAME.test(entry.name) && (entry.isFile() || isFileLink(entry, path))) found.push(path);
    }
  };
  walk(dir);
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const path of found) add(path);
}

function isFileLink(entry: Dirent, path: string): boolean {
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Directories contribute their `*.csv` / `*.csv.gz` / `*.parquet` files, searched recursively (see
 * {@link listDirectory}); files are taken as given. Paths are resolved to absolute and de-duplicated, keeping
 * first occurrence order.
 * @throws InvalidIngestOptionsError when an input does not exist or nothing is found.
 */
export function listInputFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  for (const input of inputs) {
    const abs = resolve(input);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (cause) {
      throw new InvalidIngestOptionsError(`input ${abs} does not exist or cannot be read`, {
        path: abs,
        field: 'inputs',
        cause,
      });
    }
    if (isDir) {
      listDirectory(abs, add);
    } else {
      add(abs);
    }
  }
  if (out.length === 0) {
    throw new InvalidIngestOptionsError(
      `no *.csv, *.csv.gz or *.parquet files found in ${inputs.join(', ') || '(no inputs)'} (folders searched recursively)`,
      {
        field: 'inputs',
      },
    );
  }
  return out;
}
