import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { vi } from 'vitest';
import type { CommandContext } from '../src/context.js';

/** A context that prints nothing (warnings are collected in its `warnings`, shared by every use). */
export const quietCtx: CommandContext = {
  options: { quiet: true },
  progress: { start() {}, update() {}, stop() {} },
  say() {},
  note() {},
  warn(code, message, count) {
    (this.warnings as { code: string; message: string; count?: number }[]).push({
      code,
      message,
      ...(count === undefined ? {} : { count }),
    });
  },
  warnings: [],
};

/** A fresh temp folder and its cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `mmtape-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` while capturing everything written to stdout and stderr. */
export async function captureOutput<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const result = await fn();
    return { result, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * The oracle for replay order: every row of every symbol of a dataset, as [timestampNs, symbolId, row],
 * sorted by a plain sort on (timestamp, symbol id, row).
 */
export function plainSortOfAllRows(datasetDir: string): { ts: bigint; symbolId: number; row: number }[] {
  const dataset = Dataset.open(datasetDir);
  try {
    const all: { ts: bigint; symbolId: number; row: number }[] = [];
    dataset.symbols.forEach((symbol, symbolId) => {
      const ts = dataset.open(symbol).timestampsNs();
      for (let row = 0; row < ts.length; row++) all.push({ ts: ts[row]!, symbolId, row });
    });
    all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.symbolId - b.symbolId || a.row - b.row));
    return all;
  } finally {
    dataset.close();
  }
}
