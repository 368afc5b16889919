/**
 * Symbol <-> file name mapping used by datasets: safe, reversible and portable.
 *
 * Rule: every character outside `[A-Za-z0-9._-]` is written as its UTF-8 bytes, each `%XX`
 * (uppercase hex); a leading `.` is written `%2E` (no hidden files, no `.`/`..`); the first letter
 * of a Windows device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, any case) is escaped too; then
 * {@link COLUMN_FILE_EXTENSION} is appended. `/`, `\`, NUL and `..` can therefore never appear as path
 * syntax. Examples: `BRK.B` -> `BRK.B.col`, `ES=F` -> `ES%3DF.col`, `../x` -> `%2E.%2Fx.col`.
 *
 * Symbols differing only by case (`ab`, `AB`) would collide on case-insensitive file systems;
 * `ingest` rejects such a pair with InvalidSymbolError.
 */

import { InvalidSymbolError } from './errors.js';

/** Extension of column files written by ingest. */
export const COLUMN_FILE_EXTENSION = '.col';

/** Longest escaped stem in bytes (255-byte file-name limit minus room for the extension and temp suffixes). */
export const MAX_FILE_STEM_BYTES = 200;

const SAFE = /^[A-Za-z0-9._-]$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * File name (with extension) for a symbol.
 * @throws InvalidSymbolError for an empty symbol, a lone UTF-16 surrogate, or an escaped name over
 *   {@link MAX_FILE_STEM_BYTES} bytes.
 */
export function symbolToFileName(symbol: string): string {
  if (symbol.length === 0) throw new InvalidSymbolError('symbol is empty', { field: 'symbol' });
  if (LONE_SURROGATE.test(symbol)) {
    throw new InvalidSymbolError(`symbol ${JSON.stringify(symbol)} contains a lone UTF-16 surrogate`, {
      field: 'symbol',
      actual: symbol,
    });
  }
  let out = '';
  let i = 0;
  for (const ch of symbol) {
    const escapeIt = !SAFE.test(ch) || (i === 0 && (ch === '.' || WINDOWS_DEVICE.test(symbol)));
    out += escapeIt ? percentEncode(ch) : ch;
    i++;
  }
  if (out.length > MAX_FILE_STEM_BYTES) {
    throw new InvalidSymbolError(
      `symbol ${JSON.stringify(symbol.slice(0, 40))}... escapes to ${out.length} bytes, at most ${MAX_FILE_STEM_BYTES}`,
      { field: 'symbol', expected: MAX_FILE_STEM_BYTES, actual: out.length },
    );
  }
  return out + COLUMN_FILE_EXTENSION;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Symbol for a file name produced by {@link symbolToFileName}. Only canonical names are accepted
 * (round-trips exactly).
 * @throws InvalidSymbolError for anything else (other extension, bad escapes, non-canonical spelling).
 */
export function fileNameToSymbol(fileName: string): string {
  const fail = (why: string) =>
    new InvalidSymbolError(`file name ${JSON.stringify(fileName)} is not a symbol file name: ${why}`, {
      path: fileName,
    });
  if (!fileName.endsWith(COLUMN_FILE_EXTENSION))
    throw fail(`expected the extension ${COLUMN_FILE_EXTENSION}`);
  const stem = fileName.slice(0, -COLUMN_FILE_EXTENSION.length);
  const bytes: number[] = [];
  for (let i = 0; i < stem.length; i++) {
    const ch = stem[i]!;
    if (ch === '%') {
      const hex = stem.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw fail(`bad escape "%${hex}" at ${i}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (SAFE.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      throw fail(`unexpected character ${JSON.stringify(ch)} at ${i}`);
    }
  }
  let symbol: string;
  try {
    symbol = STRICT_UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw fail('escapes are not valid UTF-8');
  }
  if (symbol.length === 0 || symbolToFileName(symbol) !== fileName) throw fail('not the canonical spelling');
  return symbol;
}

function percentEncode(ch: string): string {
  let s = '';
  for (const b of Buffer.from(ch, 'utf8')) s += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return s;
}
