/**
 * `@mmtape/columnar-format/ingest`: CSV and Parquet files → a new generation of a dataset folder, parsed
 * in parallel on worker threads (piscina), with time-zone aware timestamp parsing (luxon), fast CSV
 * parsing (uDSV, csv-parse for quoted files), Parquet reading (hyparquet) and data hygiene
 * (`hygiene` option). The dataset it writes is read with the core entry `@mmtape/columnar-format`.
 *
 * @example
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 * import { ingest } from '@mmtape/columnar-format/ingest';
 *
 * const report = await ingest({ inputs: ['intraday/'], outDir: 'data/us1m', timeZone: 'America/New_York' });
 * console.log(report.rows, report.symbols.length);
 * const ds = Dataset.open('data/us1m');
 * ```
 *
 * @module
 */

export type { HygieneOptions, HygieneReport } from './apply-hygiene.js';
export type { SuspectPriceCounts, SuspectRow } from './count-suspect-prices.js';
export { DEFAULT_SYMBOL_FROM_FILE_NAME, ingest } from './ingest.js';
export type {
  ColumnMapping,
  IngestColumnReport,
  IngestFileReport,
  IngestOptions,
  IngestProgress,
  IngestReport,
  IngestSkippedColumn,
  IngestSymbolReport,
  IngestWarning,
  ValueColumn,
} from './ingest-options.js';
export { VALUE_COLUMNS } from './ingest-options.js';
export { normalizeColumnName } from './normalize-column-name.js';
export { type ParseTimestampNsOptions, parseTimestampNs } from './parse-timestamp-ns.js';
export type { ReplacedColumn } from './resolve-columns.js';
export type { TimestampUnit } from './timestamp-parser.js';
