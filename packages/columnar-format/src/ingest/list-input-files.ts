/**
 * Expands ingest inputs (files and directories) into a list of files.
 */

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidIngestOptionsError } from '../errors.js';

const INPUT_NAME = /\.(csv(\.gz)?|parquet)$/i;

/**
 * Directories contribute their `*.csv` / `*.csv.gz` / `*.parquet` entries (not recursive, sorted by name); files are
 * taken as given. Paths are resolved to absolute and de-duplicated, keeping first occurrence order.
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
      const names = readdirSync(abs, { withFileTypes: true })
        .filter((d) => d.isFile() && INPUT_NAME.test(d.name))
        .map((d) => d.name)
        .sort();
      for (const n of names) add(join(abs, n));
    } else {
      add(abs);
    }
  }
  if (out.length === 0) {
    throw new InvalidIngestOptionsError(
      `no *.csv, *.csv.gz or *.parquet files found in ${inputs.join(', ') || '(no inputs)'}`,
      {
        field: 'inputs',
      },
    );
  }
  return out;
}
