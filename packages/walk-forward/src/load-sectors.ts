/**
 * Sector map of the `within-sector` pair universe.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from './errors.js';

/**
 * Parse sectors CSV text with a header row. The symbol column is the one named `symbol`; the sector column
 * is the one named `sector`, or else the only one whose name ends in `sector` (e.g. `gics_sector`,
 * `GICS Sector`). Names are matched case-insensitively, columns may come in any order and other columns
 * are ignored. Fields are parsed as CSV (csv-parse: quotes, `""` escapes, BOM) and trimmed; blank lines are
 * skipped. A symbol listed twice with the same sector is fine.
 *
 * @example parseSectorsCsv('Sector,Symbol\nEnergy,XOM\n') // { XOM: 'Energy' }
 * @throws InvalidInputError (code `MMTAPE_WF_INVALID_INPUT`, naming the file and line) for: text that is not CSV,
 *   a header without a `symbol` or sector column (or with several `*sector` columns and no `sector`), a row
 *   with an empty symbol or sector, a symbol listed twice with different sectors.
 */
export function parseSectorsCsv(text: string, path = '(sectors csv)'): Record<string, string> {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof rows;
  } catch (cause) {
    throw new InvalidInputError(`${path}`, 'a CSV file', (cause as Error).message);
  }
  const header = rows[0];
  if (header === undefined)
    throw new InvalidInputError(path, 'a header row with symbol and sector columns', 'an empty file');
  const names = header.record.map((h) => h.toLowerCase());
  const symbolAt = names.indexOf('symbol');
  let sectorAt = names.indexOf('sector');
  if (sectorAt < 0) {
    const candidates = names.flatMap((n, i) => (n.endsWith('sector') ? [i] : []));
    if (candidates.length > 1) {
      throw new InvalidInputError(
        `${path} line ${header.info.lines}`,
        'one sector column (named "sector", or the only name ending in "sector")',
        candidates.map((i) => header.record[i]),
      );
    }
    sectorAt = candidates[0] ?? -1;
  }
  if (symbolAt < 0 || sectorAt < 0) {
    throw new InvalidInputError(
      `${path} line ${header.info.lines}`,
      'a header row with a "symbol" column and a "sector" (or "*sector", e.g. "gics_sector") column',
      header.record,
    );
  }
  const out = new Map<string, string>(); // a Map: a symbol such as "__proto__" stays data
  const lineOf = new Map<string, number>();
  for (const { record, info } of rows.slice(1)) {
    const where = `${path} line ${info.lines}`;
    const symbol = record[symbolAt] ?? '';
    const sector = record[sectorAt] ?? '';
    if (symbol === '') throw new InvalidInputError(where, 'a symbol', 'an empty symbol field');
    if (sector === '') throw new InvalidInputError(where, `a sector for ${symbol}`, 'an empty sector field');
    const before = out.get(symbol);
    if (before !== undefined && before !== sector) {
      throw new InvalidInputError(
        where,
        `sector ${JSON.stringify(before)} for ${symbol} (as on line ${lineOf.get(symbol)})`,
        sector,
      );
    }
    out.set(symbol, sector);
    if (!lineOf.has(symbol)) lineOf.set(symbol, info.lines);
  }
  return Object.fromEntries(out);
}

/** Read a sectors CSV file with a header row ({@link parseSectorsCsv}). */
export function loadSectors(path: string): Record<string, string> {
  return parseSectorsCsv(readFileSync(path, 'utf8'), path);
}
