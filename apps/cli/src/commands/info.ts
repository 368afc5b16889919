import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { mmapStatus } from '@mmtape/mmap-core';
import { type CommandContext, formatTable, isoFromNs, requireDatasetDir } from '../context.js';
import { formatBytes } from '../memory.js';

/** What `mmtape info` reports about a dataset. */
export interface InfoResult {
  dir: string;
  /** The generation folder read (`gen-…`, the one `CURRENT` named at open). */
  generation: string;
  /** `mmap` when files are memory-mapped, `fallback` when read into memory. */
  backend: 'mmap' | 'fallback';
  backendReason?: string;
  schema: { name: string; dtype: string }[];
  symbols: number;
  rows: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** Total size of the column (or segment) files of the generation, bytes. */
  onDiskBytes: number;
  /** Bytes of the column files resident in the page cache (mincore), bytes. */
  residentBytes: number;
  perSymbol: {
    symbol: string;
    rows: number;
    first: string;
    last: string;
    bytes: number;
    partitions: number;
  }[];
  /** Partition scheme of the dataset (`none`, `day`, `month`). */
  partitioning: string;
  /** Column files (partitions) over all symbols. */
  partitions: number;
}

/** Runs `mmtape info <dataset>`: schema, symbols, rows, time range, on-disk and resident bytes, backend. */
export function runInfo(dir: string, options: { symbols?: boolean }, ctx: CommandContext): InfoResult {
  const dataset = Dataset.open(requireDatasetDir(dir));
  try {
    const m = dataset.manifest;
    let onDiskBytes = 0;
    let residentBytes = 0;
    const perSymbol: InfoResult['perSymbol'] = [];
    let partitions = 0;
    // Segment files (FORMAT.md) hold many symbols: counted once on disk, a member's own size per symbol.
    const filesCounted = new Set<string>();
    let segmented = false;
    for (const entry of m.symbols) {
      let bytes = 0;
      const parts = dataset.partitions(entry.symbol);
      for (const p of parts) {
        const size = filesCounted.has(p.file) ? 0 : statSync(join(dataset.generationDir, p.file)).size;
        filesCounted.add(p.file);
        onDiskBytes += size;
        if (p.offsetBytes !== undefined) segmented = true;
        bytes += p.offsetBytes === undefined ? size : p.sizeBytes;
      }
      partitions += parts.length;
      for (const file of dataset.openPartitions(entry.symbol))
        residentBytes += file.file.residency().residentBytes;
      // Keep at most one symbol's maps open; a segmented dataset keeps its few segment mappings instead.
      if (!segmented) dataset.closeFiles();
      perSymbol.push({
        symbol: entry.symbol,
        rows: entry.rows,
        first: isoFromNs(entry.firstTimestampNs),
        last: isoFromNs(entry.lastTimestampNs),
        bytes,
        partitions: parts.length,
      });
    }
    const status = mmapStatus();
    const result: InfoResult = {
      dir: dataset.dir,
      generation: dataset.generation,
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
      partitioning: m.partitioning ?? 'none',
      partitions,
    };
    ctx.say(`dataset   ${result.dir} (generation ${result.generation})`);
    ctx.say(`schema    ${result.schema.map((c) => `${c.name}:${c.dtype}`).join(', ')}`);
    ctx.say(`symbols   ${result.symbols}`);
    ctx.say(`rows      ${result.rows.toLocaleString('en-US')}`);
    ctx.say(`partitions ${result.partitions} file(s), partitioning ${result.partitioning}`);
    ctx.say(`time      ${result.firstTimestamp} .. ${result.lastTimestamp}`);
    ctx.say(`on disk   ${formatBytes(onDiskBytes)}; resident in page cache ${formatBytes(residentBytes)}`);
    ctx.say(`backend   ${result.backend}${result.backendReason ? ` (${result.backendReason})` : ''}`);
    if (options.symbols) {
      ctx.say('');
      ctx.say(
        formatTable(
          ['symbol', 'rows', 'partitions', 'first', 'last', 'bytes'],
          perSymbol.map((s) => [
            s.symbol,
            String(s.rows),
            String(s.partitions),
            s.first,
            s.last,
            formatBytes(s.bytes),
          ]),
        ),
      );
    }
    return result;
  } finally {
    dataset.close();
  }
}
