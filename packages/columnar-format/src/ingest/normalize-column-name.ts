/**
 * The stored name of an input column: its header name in snake_case.
 */

/** Column names ingest writes itself; an input column whose name normalises to one of them is refused. */
export const RESERVED_COLUMN_NAMES: readonly string[] = ['ts', 'flags'];

/** A stored column name: lower-case ASCII letters, digits and `_`, starting with a letter or `_`. */
export const STORED_COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Header name → stored column name, by these steps (in order):
 * 1. trim; drop a leading enumeration `<digits>. ` (Alpha Vantage's API keys: `5. adjusted close` →
 *    `adjusted close`);
 * 2. accents removed (Unicode NFKD, combining marks dropped: `Clôture` → `Cloture`);
 * 3. camelCase split: `_` before an upper-case letter that follows a lower-case letter or digit
 *    (`adjustedClose` → `adjusted_Close`) and inside an acronym run before its last letter when a
 *    lower-case letter follows (`VWAPPrice` → `VWAP_Price`);
 * 4. lower-cased; every run of characters other than `a-z` and `0-9` becomes one `_`, leading and
 *    trailing `_` removed (`Adj Close` → `adj_close`, `Volume (USD)` → `volume_usd`);
 * 5. a name that starts with a digit gets a `_` prefix (`52w high` → `_52w_high`); an empty name
 *    becomes `column_<position>` (1-based position in the header).
 *
 * So `open`, `Open` and `OPEN` all give `open` (the standard columns are recognised case-insensitively).
 * @param position 1-based position of the column in the header (for unnamed columns).
 * @example normalizeColumnName('Adj Close', 6) // 'adj_close'
 */
export function normalizeColumnName(header: string, position: number): string {
  const s = header
    .trim()
    .replace(/^\d+\.\s+/, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (s.length === 0) return `column_${position}`;
  return /^[0-9]/.test(s) ? `_${s}` : s;
}
