import { statSync } from 'node:fs';
import { join } from 'node:path';
import { countDatasetFiles, Dataset } from '@mmtape/columnar-format';
import { formatTimestampNs } from '@mmtape/columnar-format/time';
import { mmapStatus } from '@mmtape/mmap-core';
import { type CommandContext, formatTable, requireDatasetDir } from '../context.js';
import { formatBytes } from '../format-bytes.js';

/** ns (decimal string, as in the manifest) → ISO 8601 UTC, exact. */
const iso = (timestampNs: string): string => formatTimestampNs(BigInt(timestampNs));

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
  /** First and last timestamp: ISO 8601 UTC (`formatTimestampNs`) and ns as a decimal string. */
  firstTimestamp: string;
  lastTimestamp: string;
  firstTimestampNs: string;
  lastTimestampNs: string;
  /** Total size of the column (or segment) files of the generation, bytes. */
  onDiskBytes: number;
  /** Bytes of the column files resident in the page cache (mincore), bytes. */
  residentBytes: number;
  perSymbol: {
    symbol: string;
    rows: number;
    firstTimestamp: string;
    lastTimestamp: string;
    firstTimestampNs: string;
    lastTimestampNs: string;
    bytes: number;
    partitions: number;
  }[];
  /** Partition scheme of the dataset (`none`, `day`, `month`). */
  partitioning: string;
  /** Column files (partitions) over all symbols. */
  partitions: number;
  /** Segment files holding the column files (0: each column file is a file of its own). */
  segmentFiles: number;
}

/** Runs `mmtape info <dataset>`: schema, symbols, rows, time range, on-disk and resident bytes, backend. */
export function runInfo(dir: string, options: { symbols?: boolean }, ctx: CommandContext): InfoResult {
  const dataset = Dataset.open(requireDatasetDir(dir));
  try {
    const m = dataset.manifest;
    let onDiskBytes = 0;
    let residentBytes = 0;
    const perSymbol: InfoResult['perSymbol'] = [];
    const files = countDatasetFiles(dataset);
    const segmented = files.segmentFiles > 0;
    // Segment files (FORMAT.md) hold many symbols: counted once on disk, a member's own size per symbol.
    const filesCounted = new Set<string>();
    for (const entry of m.symbols) {
      let bytes = 0;
      const parts = dataset.partitions(entry.symbol);
      for (const p of parts) {
        const size = filesCounted.has(p.file) ? 0 : statSync(join(dataset.generationDir, p.file)).size;
        filesCounted.add(p.file);
        onDiskBytes += size;
        bytes += p.offsetBytes === undefined ? size : p.sizeBytes;
      }
      for (const file of dataset.openPartitions(entry.symbol))
        residentBytes += file.file.residency().residentBytes;
      // Keep at most one symbol's maps open; a segmented dataset keeps its few segment mappings instead.
      if (!segmented) dataset.closeFiles();
      perSymbol.push({
        symbol: entry.symbol,
        rows: entry.rows,
        firstTimestamp: iso(entry.firstTimestampNs),
        lastTimestamp: iso(entry.lastTimestampNs),
        firstTimestampNs: entry.firstTimestampNs,
        lastTimestampNs: entry.lastTimestampNs,
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
      firstTimestamp: iso(m.firstTimestampNs),
      lastTimestamp: iso(m.lastTimestampNs),
      firstTimestampNs: m.firstTimestampNs,
      lastTimestampNs: m.lastTimestampNs,
      onDiskBytes,
      residentBytes,
      perSymbol,
      partitioning: m.partitioning ?? 'none',
      partitions: files.columnFiles,
      segmentFiles: files.segmentFiles,
    };
    ctx.say(`dataset   ${result.dir} (generation ${result.generation})`);
    ctx.say(`schema    ${result.schema.map((c) => `${c.name}:${c.dtype}`).join(', ')}`);
    ctx.say(`symbols   ${result.symbols}`);
    ctx.say(`rows      ${result.rows.toLocaleString('en-US')}`);
    ctx.say(
      `partitions ${result.partitions} file(s)${segmented ? ` in ${result.segmentFiles} segment file(s)` : ''}, partitioning ${result.partitioning}`,
    );
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
            s.firstTimestamp,
            s.lastTimestamp,
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
