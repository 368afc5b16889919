import { describe, expect, it } from 'vitest';
import {
  errorJsonOf,
  errorKindOf,
  isMmtapeError,
  MMTAPE_ERROR_MARKER,
  MmtapeError,
  SystemCallError,
  systemErrorKind,
  toMmtapeError,
  UnexpectedError,
} from '../src/index.js';

class SampleError extends MmtapeError {
  readonly code = 'MMTAPE_SAMPLE_BAD_ROW' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  readonly row: number;
  readonly expected: bigint;
  readonly actual: number | undefined;

  constructor(path: string, row: number, cause?: unknown) {
    super(`${path}: row ${row} is bad`, { cause });
    this.path = path;
    this.row = row;
    this.expected = 5n;
    this.actual = undefined;
  }
}

function systemError(code: string, syscall = 'open', path = '/x'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), {
    code,
    errno: -1,
    syscall,
    path,
  });
}

describe('MmtapeError', () => {
  it('carries code, kind, name, cause and the non-enumerable marker', () => {
    const cause = new Error('lower');
    const e = new SampleError('a.csv', 7, cause);
    expect(e.name).toBe('SampleError');
    expect(e.code).toBe('MMTAPE_SAMPLE_BAD_ROW');
    expect(e.kind).toBe('data');
    expect(e.cause).toBe(cause);
    expect((e as unknown as Record<symbol, unknown>)[MMTAPE_ERROR_MARKER]).toBe(true);
    expect(Object.keys(e)).not.toContain(MMTAPE_ERROR_MARKER.toString());
  });

  it('serialises to { code, kind, message, context } with JSON-safe context', () => {
    const json = JSON.parse(JSON.stringify(new SampleError('a.csv', 7)));
    expect(json).toEqual({
      code: 'MMTAPE_SAMPLE_BAD_ROW',
      kind: 'data',
      message: 'a.csv: row 7 is bad',
      context: { path: 'a.csv', row: 7, expected: '5' },
    });
  });
});

describe('isMmtapeError', () => {
  it('recognises the marker of another package copy, not instanceof', () => {
    const foreign = Object.assign(new Error('x'), { code: 'MMTAPE_OTHER_COPY', kind: 'usage' });
    Object.defineProperty(foreign, Symbol.for('mmtape.error'), { value: true });
    expect(isMmtapeError(foreign)).toBe(true);
    expect(isMmtapeError(foreign, 'MMTAPE_OTHER_COPY')).toBe(true);
    expect(isMmtapeError(foreign, 'MMTAPE_SOMETHING_ELSE')).toBe(false);
    expect(errorKindOf(foreign)).toBe('usage');
  });

  it('rejects plain errors, null and errors with a code but no marker', () => {
    expect(isMmtapeError(new Error('x'))).toBe(false);
    expect(isMmtapeError(null)).toBe(false);
    expect(isMmtapeError({ code: 'MMTAPE_X' })).toBe(false);
  });
});

describe('system errors', () => {
  it('classifies a path that names nothing as usage and OS refusals as io', () => {
    for (const code of ['ENOENT', 'ENOTDIR', 'EISDIR'])
      expect(systemErrorKind(systemError(code))).toBe('usage');
    for (const code of ['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'EIO'])
      expect(systemErrorKind(systemError(code))).toBe('io');
  });

  it('ignores Node ERR_* codes and errors without errno/syscall', () => {
    expect(systemErrorKind(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(systemErrorKind(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBeUndefined();
  });

  it('wraps a system error with errno, syscall, path and the kind of the one classifier', () => {
    const e = toMmtapeError(systemError('ENOSPC', 'write', '/out/a.col'));
    expect(e).toBeInstanceOf(SystemCallError);
    expect(e.toJSON()).toMatchObject({
      code: 'MMTAPE_SYSTEM_CALL_FAILED',
      kind: 'io',
      context: { errno: 'ENOSPC', syscall: 'write', path: '/out/a.col' },
    });
    expect(errorKindOf(systemError('EROFS'))).toBe('io');
    expect(errorKindOf(systemError('ENOENT'))).toBe('usage');
  });
});

describe('anything else', () => {
  it('is internal', () => {
    const e = toMmtapeError(new TypeError('boom'));
    expect(e).toBeInstanceOf(UnexpectedError);
    expect(errorJsonOf(new TypeError('boom'))).toEqual({
      code: 'MMTAPE_INTERNAL_UNEXPECTED',
      kind: 'internal',
      message: 'boom',
      context: { errorName: 'TypeError' },
    });
    expect(errorKindOf('a string')).toBe('internal');
  });

  it('treats a foreign mmtape error with an unknown kind as internal', () => {
    const foreign = Object.assign(new Error('x'), { code: 'MMTAPE_OLD', kind: 'weird' });
    Object.defineProperty(foreign, Symbol.for('mmtape.error'), { value: true });
    expect(errorKindOf(foreign)).toBe('internal');
    expect(errorJsonOf(foreign)).toEqual({ code: 'MMTAPE_OLD', kind: 'internal', message: 'x', context: {} });
  });
});
