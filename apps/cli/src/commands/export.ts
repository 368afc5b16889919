import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { type ColumnFile, Dataset } from '@mmtape/columnar-format';
import { columnFileToArrowTable, writeArrowIpcFile } from '@mmtape/columnar-format/arrow';
import {
  exportCsv,
  exportParquet,
  type ParquetLayout,
  type ParquetRowGroupOrder,
} from '@mmtape/columnar-format/export';
import type { Table } from 'apache-arrow';
import { EXPORT_FORMATS, type ExportFormat } from '../cli-constants.js';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, requireDatasetDir, settingsOf, verifyOf } from '../context.js';
import { formatBytes } from '../format-bytes.js';

/** Options of `mmtape export`. */
export interface ExportCommandOptions {
  /** Output file. */
  out: string;
  /** Default: from the extension of `out` (.arrow/.ipc/.feather → arrow, .csv → csv, .parquet → parquet). */
  format?: ExportFormat;
  /** Comma-separated symbols (default: all). */
  symbols?: string;
  /** Comma-separated value columns besides `ts` (default: all). */
  columns?: string;
  /**
   * Parquet only: `full` (default; every column at its stored type, lossless) or `compact-close-f32`
   * (timestamp, symbol, close rounded to float32; lossy).
   */
  parquetLayout?: ParquetLayout;
  /** Parquet only: row groups by `symbol` (default for `full`) or by `time`. */
  rowGroups?: ParquetRowGroupOrder;
  /** Replace an existing output file. */
  overwrite?: boolean;
  /** Verified reads (`--verify`/`--no-verify`; default: config `verify`, else true). */
  verify?: boolean;
}

/** What `mmtape export` returns. */
export interface ExportResult {
  path: string;
  format: ExportFormat;
  symbols: number;
  rows: number;
  bytes: number;
}

function list(text: string | undefined): string[] | undefined {
  const items = text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

function formatOf(options: ExportCommandOptions): ExportFormat {
  if (options.format) return options.format;
  const ext = extname(options.out).toLowerCase();
  if (ext === '.arrow' || ext === '.ipc' || ext === '.feather') return 'arrow';
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  throw new CliUsageError(
    `cannot tell the format of ${options.out} from its extension; pass --format ${EXPORT_FORMATS.join('|')}`,
  );
}

/**
 * Runs `mmtape export <dataset> --out <file>`: every (or the chosen) symbol of a dataset into one Arrow
 * IPC file (zero-copy Arrow vectors over the mapped columns, one record batch per symbol, plus a `symbol`
 * column) or one CSV file (`symbol,timestamp,<columns>`, re-ingestable with `mmtape ingest`). Written to
 * a temp file and renamed into place.
 */
export async function runExport(
  dir: string,
  options: ExportCommandOptions,
  ctx: CommandContext,
): Promise<ExportResult> {
  const format = formatOf(options);
  if (format !== 'parquet' && (options.parquetLayout || options.rowGroups)) {
    throw new CliUsageError(`--parquet-layout and --row-groups apply to parquet only, not ${format}`);
  }
  if (existsSync(options.out) && !options.overwrite) {
    throw new CliUsageError(`${options.out} already exists; pass --overwrite to replace it`);
  }
  const dataset = Dataset.open(requireDatasetDir(dir), {
    forceFallback: settingsOf(ctx).forceFallback,
    verify: verifyOf(ctx, options.verify),
  });
  try {
    const symbols = list(options.symbols) ?? [...dataset.symbols];
    if (format === 'parquet') {
      for (const s of symbols) dataset.entry(s);
      const valueColumns = list(options.columns);
      const r = await exportParquet(dataset, options.out, {
        ...(options.symbols ? { symbols } : {}),
        ...(valueColumns ? { columns: valueColumns } : {}),
        ...(options.parquetLayout ? { layout: options.parquetLayout } : {}),
        ...(options.rowGroups ? { rowGroupsBy: options.rowGroups } : {}),
        ...(options.overwrite ? { overwrite: true } : {}),
      });
      const lossy = r.layout === 'compact-close-f32' ? ' (LOSSY: close rounded to float32)' : '';
      ctx.say(
        `wrote ${r.path}: parquet ${r.layout}${lossy}, columns ${r.columns.join(', ')}; ZSTD, row groups by ${r.rowGroupsBy}; ${r.symbols} symbols, ${r.rows} rows in ${r.rowGroups} row groups, ${formatBytes(r.bytes)}`,
      );
      return { path: r.path, format, symbols: r.symbols, rows: r.rows, bytes: r.bytes };
    }
    for (const s of symbols) dataset.entry(s); // SymbolNotFoundError (exit 1) before writing anything
    const valueColumns = list(options.columns);
    const columnsOf = (file: ColumnFile) => {
      const all = file.columns.map((c) => c.name).filter((n) => n !== 'ts');
      for (const c of valueColumns ?? []) file.column(c); // ColumnNotFoundError names the columns found
      return valueColumns ?? all;
    };
    let rows = 0;
    ctx.progress.start(`export ${format} (symbols)`, symbols.length);
    let bytes: number;
    try {
      if (format === 'csv') {
        const r = await exportCsv(dataset, options.out, {
          symbols,
          ...(valueColumns ? { columns: valueColumns } : {}),
          ...(options.overwrite ? { overwrite: true } : {}),
          onProgress: (p) => ctx.progress.update(p.symbolsDone),
        });
        rows = r.rows;
        bytes = r.bytes;
      } else {
        const tables = function* (): Generator<Table> {
          for (const [i, s] of symbols.entries()) {
            const file = dataset.open(s);
            rows += file.rowCount;
            yield columnFileToArrowTable(file, {
              symbolColumn: true,
              timestampName: 'timestamp',
              columns: ['ts', ...columnsOf(file)],
            });
            ctx.progress.update(i + 1);
          }
        };
        bytes = await writeArrowIpcFile(options.out, tables());
      }
    } finally {
      ctx.progress.stop();
    }
    ctx.say(
      `wrote ${options.out}: ${format}, ${symbols.length} symbols, ${rows} rows, ${formatBytes(bytes)}`,
    );
    return { path: options.out, format, symbols: symbols.length, rows, bytes };
  } finally {
    dataset.close();
  }
}
