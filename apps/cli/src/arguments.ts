/**
 * Parsers of option values, run by commander while it reads the command line. A bad value throws
 * commander's `InvalidArgumentError`: commander prints `error: option '--x <n>' argument 'v' is invalid.
 * <why>` on stderr and `main` exits 1 (usage). They import nothing but commander, so `--help` stays fast.
 */
import { InvalidArgumentError } from 'commander';

/** An integer >= `min`. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, found "${value}"`);
    return n;
  };
}

/** An integer in `min..max`. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}, found "${value}"`);
    return n;
  };
}

/** A finite number >= `min`. */
export function number(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`expected a number >= ${min}, found "${value}"`);
    return n;
  };
}

/** `--workers`: a positive integer or `auto` (one per core). */
export function workersArg(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected "auto" or an integer >= 1, found "${value}"`);
  return n;
}

/**
 * Parses one `--column-map` value, `target=source[,target=source...]` (e.g. `close=adjusted_close` or
 * `close=Adj Close`), into `previous` plus the new entries. Spaces around names are ignored.
 * @throws InvalidArgumentError for an entry without `=`, an empty name, or a target given twice.
 */
export function parseColumnMap(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const out = { ...previous };
  for (const entry of value.split(',')) {
    const eq = entry.indexOf('=');
    const target = entry.slice(0, eq).trim();
    const source = entry.slice(eq + 1).trim();
    if (eq < 0 || target === '' || source === '') {
      throw new InvalidArgumentError(
        `expected target=source (e.g. close=adjusted_close), found ${JSON.stringify(entry)}`,
      );
    }
    if (target in out) throw new InvalidArgumentError(`column ${JSON.stringify(target)} is mapped twice`);
    out[target] = source;
  }
  return out;
}
