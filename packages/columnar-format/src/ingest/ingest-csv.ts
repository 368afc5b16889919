/**
 * `ingestCsv`: the original name of {@link ingest}, kept for compatibility.
 */

import { ingest } from './ingest.js';
import type { IngestOptions, IngestReport } from './ingest-options.js';

/**
 * Same as {@link ingest} (which also reads `*.parquet`); kept so existing callers keep working.
 * @example
 * ```ts
 * const report = await ingestCsv({ inputs: ['intraday/'], outDir: 'data/us1m', timeZone: 'America/New_York' });
 * ```
 */
export function ingestCsv(options: IngestOptions): Promise<IngestReport> {
  return ingest(options);
}
