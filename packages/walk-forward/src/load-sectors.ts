/**
 * Sector map of the `within-sector` pair universe.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from './errors.js';

/**
 * Parse `symbol,sector` CSV text (e.g. `gics_sector` in the second column). A first line whose first field
 * is `symbol` (any case) is a header and skipped; blank lines are skipped; surrounding quotes and spaces
 * are trimmed; extra columns are ignored.
 *
 * @throws InvalidInputError for a line without two fields or a symbol listed twice with different sectors.
 */
export function parseSectorsCsv(text: string, path = '(sectors csv)'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    if (i === 0 && fields[0]!.toLowerCase() === 'symbol') continue;
    if (fields.length < 2 || fields[0] === '' || fields[1] === '') {
      throw new InvalidInputError(`${path} line ${i + 1}`, 'symbol,sector', line);
    }
    const [symbol, sector] = fields as [string, string];
    if (out[symbol] !== undefined && out[symbol] !== sector) {
      throw new InvalidInputError(`${path} line ${i + 1}`, `sector ${out[symbol]} (as before)`, sector);
    }
    out[symbol] = sector;
  }
  return out;
}

/** Read a `symbol,sector` CSV file ({@link parseSectorsCsv}). */
export function loadSectors(path: string): Record<string, string> {
  return parseSectorsCsv(readFileSync(path, 'utf8'), path);
}
