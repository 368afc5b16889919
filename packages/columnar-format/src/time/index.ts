/**
 * `@mmtape/columnar-format/time`: timestamps as users type and read them, without the dependencies of the
 * ingest and export layers (CSV and Parquet readers and writers, the ingest's worker pool, codecs):
 * `parseTimestampNs` (ISO 8601 or integer ns → int64 ns, exactly as the ingest reads the same text) and
 * `formatTimestampNs` (int64 ns → ISO 8601 UTC, as every export prints it). They are the functions the
 * `/ingest` and `/export` entries export; this entry loads only `luxon` (time zones) besides them, for
 * commands that take `--start`/`--end` or print times (measured: importing `/ingest` and `/export` adds
 * ~70 ms each to a command's start, this entry a few ms).
 *
 * @example
 * ```ts
 * import { formatTimestampNs, parseTimestampNs } from '@mmtape/columnar-format/time';
 * formatTimestampNs(parseTimestampNs('2018-01-02T14:30:00Z')!); // '2018-01-02T14:30:00.000Z'
 * ```
 */
export { formatTimestampNs } from '../export/format-timestamp-ns.js';
export { type ParseTimestampNsOptions, parseTimestampNs } from '../ingest/parse-timestamp-ns.js';
