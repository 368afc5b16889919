/**
 * Dataset -> one CSV file `symbol,timestamp,<columns>`, symbol by symbol, written atomically. The text
 * is re-ingestable with `ingest` (the timestamp parser reads every form {@link formatTimestampNs} prints).
 */

import { existsSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '@mmtape/errors';
import { Dataset } from '../dataset.js';
import { ColumnNotFoundError, OutputExistsError } from '../errors.js';
import { formatTimestampNs } from './format-timestamp-ns.js';

/** Options of {@link exportCsv}. */
export interface ExportCsvOptions {
  /** Symbols to export, in this order; default all, in manifest order. Unknown symbols throw SymbolNotFoundError. */
  symbols?: readonly string[];
  /** Value columns after `timestamp`, in this order; default every column of the schema but `ts`. */
  columns?: readonly string[];
  /** Inclusive start, ns since the epoch (UTC). Default: no lower bound. */
  startNs?: bigint;
  /** Exclusive end, ns since the epoch (UTC). Default: no upper bound. */
  endNs?: bigint;
  /** Replace an existing `outPath`. Default `false` (an existing file is an OutputExistsError). */
  overwrite?: boolean;
  /** fsync the file before the rename. Default `true`. */
  durable?: boolean;
  /** Called after each symbol is written. */
  onProgress?: (progress: { symbolsDone: number; symbolsTotal: number; rowsWritten: number }) => void;
}

/** Result of {@link exportCsv}. */
export interface ExportCsvReport {
  /** Absolute path of the file written. */
  path: string;
  /** Value columns written after `symbol,timestamp`. */
  columns: string[];
  symbols: number;
  /** Data rows (the header line not counted). */
  rows: number;
  bytes: number;
}

/** Lines buffered before one `write` (8,192 lines: ~0.5 MB of text for OHLCV bars). */
const LINES_PER_WRITE = 8192;

/**
 * Writes `dataset` (a Dataset or its folder) to one CSV file at `outPath`: a header line
 * `symbol,timestamp,<columns>`, then every row of every symbol (symbols in the order given, each in
 * time order). `timestamp` is ISO 8601 UTC from {@link formatTimestampNs} (exact to the ns); numbers
 * print as JavaScript's shortest round-trip text (`String(x)`), NaN (a missing value) as an empty
 * field, int64 columns as decimal integers. A symbol containing `,`, `"` or a line break is quoted
 * (RFC 4180). The file is written to `<outPath>.tmp-<pid>-<random>`, fsynced and renamed into place
 * (`writeFileAtomic` of `@mmtape/errors`), so a failed export leaves nothing behind.
 *
 * @throws OutputExistsError (`outPath` exists without `overwrite`), SymbolNotFoundError,
 *   ColumnNotFoundError (a requested column not in the schema; message lists the columns), any read
 *   error of the dataset, the `fs` error of the write (ENOSPC...).
 * @example
 * ```ts
 * const r = await exportCsv('data/us1m', 'us1m.csv', { symbols: ['AAPL'], columns: ['close'] });
 * console.log(`${r.rows} rows, ${r.bytes} bytes`);
 * ```
 */
export async function exportCsv(
  dataset: Dataset | string,
  outPath: string,
  options: ExportCsvOptions = {},
): Promise<ExportCsvReport> {
  const path = resolve(outPath);
  if (existsSync(path) && !(options.overwrite ?? false)) {
    throw new OutputExistsError(`${path} already exists; pass overwrite: true to replace it`, {
      path,
      field: 'overwrite',
    });
  }
  const ds = typeof dataset === 'string' ? Dataset.open(dataset) : dataset;
  try {
    const schema = ds.manifest.schema.map((c) => c.name).filter((n) => n !== 'ts');
    const columns = options.columns ? [...options.columns] : schema;
    for (const c of columns) {
      if (!schema.includes(c)) {
        throw new ColumnNotFoundError(
          `${ds.dir}: no column "${c}", columns are ${schema.join(', ') || '(none)'}`,
          { path: ds.dir, field: c },
        );
      }
    }
    const symbols = options.symbols ? [...options.symbols] : [...ds.symbols];
    for (const s of symbols) ds.entry(s); // SymbolNotFoundError before anything is written
    let rows = 0;
    writeFileAtomic(
      path,
      (fd) => {
        writeSync(fd, `symbol,timestamp${columns.map((c) => `,${c}`).join('')}\n`);
        symbols.forEach((symbol, done) => {
          const [range] = ds.openRange({
            symbols: [symbol],
            ...(options.startNs !== undefined ? { startNs: options.startNs } : {}),
            ...(options.endNs !== undefined ? { endNs: options.endNs } : {}),
          });
          const field = /[",\r\n]/.test(symbol) ? `"${symbol.replace(/"/g, '""')}"` : symbol;
          for (const slice of range?.slices ?? []) {
            const ts = slice.file.timestampsNs();
            const data = columns.map((c) => slice.file.column(c));
            const lines: string[] = [];
            for (let i = slice.startRow; i < slice.endRow; i++) {
              let line = `${field},${formatTimestampNs(ts[i]!)}`;
              for (const d of data) {
                const v = d[i]!;
                line += typeof v === 'number' && Number.isNaN(v) ? ',' : `,${v}`;
              }
              lines.push(line);
              if (lines.length === LINES_PER_WRITE) {
                writeSync(fd, `${lines.join('\n')}\n`);
                lines.length = 0;
              }
            }
            if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
            rows += slice.endRow - slice.startRow;
          }
          options.onProgress?.({ symbolsDone: done + 1, symbolsTotal: symbols.length, rowsWritten: rows });
        });
      },
      { durable: options.durable ?? true, what: 'CSV file' },
    );
    return { path, columns, symbols: symbols.length, rows, bytes: statSync(path).size };
  } finally {
    if (typeof dataset === 'string') ds.close();
  }
}
