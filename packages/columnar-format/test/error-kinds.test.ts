import { errorKindOf } from '@mmtape/errors';
import { describe, expect, it } from 'vitest';
import {
  BadMagicError,
  ColumnNotFoundError,
  CsvReadError,
  FileOpenError,
  isMmtapeError,
  OutputExistsError,
} from '../src/index.js';
import { reviveError } from '../src/ingest/revive-error.js';

describe('error kinds', () => {
  const sys = (code: string) => Object.assign(new Error(code), { code, errno: -1, syscall: 'open' });

  it('corrupt files are data, wrong requests usage, OS refusals io', () => {
    expect(new BadMagicError('x').kind).toBe('data');
    expect(new ColumnNotFoundError('x').kind).toBe('usage');
    expect(new OutputExistsError('x', { path: 'out' }).kind).toBe('usage');
    expect(new FileOpenError('x', { cause: sys('EACCES') }).kind).toBe('io');
    // A file that a dataset names but that is missing: the dataset is incomplete.
    expect(new FileOpenError('x', { cause: sys('ENOENT') }).kind).toBe('data');
    // A CSV input path the user gave that does not exist.
    expect(new CsvReadError('x', { cause: sys('ENOENT') }).kind).toBe('usage');
    expect(new CsvReadError('x', { cause: new Error('quote') }).kind).toBe('data');
  });

  it('serialises code, kind and only the context fields that are set', () => {
    const e = new BadMagicError('a.col: bad magic', { path: 'a.col', offsetBytes: 0, expected: 'MMTAPE01' });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 'MMTAPE_FORMAT_BAD_MAGIC',
      kind: 'data',
      message: 'a.col: bad magic',
      context: { path: 'a.col', offsetBytes: 0, expected: 'MMTAPE01' },
    });
  });
});

describe('errors from ingest workers keep their kind', () => {
  it('a serialized system error revives as CsvReadError with the same errno and kind', () => {
    const eacces = reviveError({
      name: 'Error',
      code: 'EACCES',
      syscall: 'open',
      message: 'denied',
      context: { path: 'a.csv' },
    });
    expect(isMmtapeError(eacces, 'MMTAPE_INGEST_CSV_READ_FAILED')).toBe(true);
    expect(errorKindOf(eacces)).toBe('io');
    const quote = reviveError({
      name: 'CsvError',
      code: undefined,
      message: 'bad quote',
      context: { path: 'a.csv' },
    });
    expect(errorKindOf(quote)).toBe('data');
    const typed = reviveError({
      name: 'InvalidNumberError',
      code: 'MMTAPE_INGEST_INVALID_NUMBER',
      message: 'x',
      context: { line: 3 },
    });
    expect(isMmtapeError(typed, 'MMTAPE_INGEST_INVALID_NUMBER')).toBe(true);
    expect(errorKindOf(typed)).toBe('data');
  });
});
