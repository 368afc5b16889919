import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { mmapStatus } from '@mmtape/mmap-core';
import { type CommandContext, formatTable, isoFromNs, requireDatasetDir } from '../context.js';
import { formatBytes } from '../memory.js';

/** What `mmtape info` reports about a dataset. */
export interface InfoResult {
  dir: string;
  /** `mmap` when files are memory-mapped, `fallback` when read into memory. */
  backend: 'mmap' | 'fallback';
  backendReason?: string;
  schema: { name: string; dtype: string }[];
  symbols: number;
  rows: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** Total size of the column files, bytes. */
  onDiskBytes: number;
  /** Bytes of the column files resident in the page cache (mincore), bytes. */
  residentBytes: number;
  perSymbol: { symbol: string; rows: number; first: string; last: string; bytes: number }[];
}

/** Runs `mmtape info <dataset>`: schema, symbols, rows, time range, on-disk and resident bytes, backend. */
export function runInfo(dir: string, options: { symbols?: boolean }, ctx: CommandContext): InfoResult {
  const dataset = Dataset.open(requireDatasetDir(dir));
  try {
    const m = dataset.manifest;
    let onDiskBytes = 0;
    let residentBytes = 0;
    const perSymbol: InfoResult['perSymbol'] = [];
    for (const entry of m.symbols) {
      const bytes = statSync(join(dataset.dir, entry.file)).size;
      onDiskBytes += bytes;
      const file = dataset.open(entry.symbol);
      residentBytes += file.file.residency().residentBytes;
      perSymbol.push({
        symbol: entry.symbol,
        rows: entry.rows,
        first: isoFromNs(entry.firstTimestampNs),
        last: isoFromNs(entry.lastTimestampNs),
        bytes,
      });
    }
    const status = mmapStatus();
    const result: InfoResult = {
      dir: dataset.dir,
      backend: status.backend,
      ...(status.reason ? { backendReason: status.reason } : {}),
      schema: m.schema.map((c) => ({ name: c.name, dtype: c.dtype })),
      symbols: m.symbols.length,
      rows: m.totalRows,
      firstTimestamp: isoFromNs(m.firstTimestampNs),
      lastTimestamp: isoFromNs(m.lastTimestampNs),
      onDiskBytes,
      residentBytes,
      perSymbol,
    };
    ctx.say(`dataset   ${result.dir}`);
    ctx.say(`schema    ${result.schema.map((c) => `${c.name}:${c.dtype}`).join(', ')}`);
    ctx.say(`symbols   ${result.symbols}`);
    ctx.say(`rows      ${result.rows.toLocaleString('en-US')}`);
    ctx.say(`time      ${result.firstTimestamp} .. ${result.lastTimestamp}`);
    ctx.say(`on disk   ${formatBytes(onDiskBytes)}; resident in page cache ${formatBytes(residentBytes)}`);
    ctx.say(`backend   ${result.backend}${result.backendReason ? ` (${result.backendReason})` : ''}`);
    if (options.symbols) {
      ctx.say('');
      ctx.say(
        formatTable(
          ['symbol', 'rows', 'first', 'last', 'bytes'],
          perSymbol.map((s) => [s.symbol, String(s.rows), s.first, s.last, formatBytes(s.bytes)]),
        ),
      );
    }
    return result;
  } finally {
    dataset.close();
  }
}
