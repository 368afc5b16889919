import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('@mmtape/errors public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_JSON_MAX_DEPTH',
      'ERROR_KINDS',
      'FileTooLargeError',
      'InvalidJsonError',
      'MMTAPE_ERROR_MARKER',
      'MmtapeError',
      'NotRegularFileError',
      'OutputExistsError',
      'SystemCallError',
      'UnexpectedError',
      'errorContext',
      'errorJsonOf',
      'errorKindOf',
      'isMmtapeError',
      'isSystemError',
      'readBoundedFile',
      'readJsonFile',
      'systemErrorKind',
      'toMmtapeError',
      'writeDirAtomic',
      'writeFileAtomic',
      'writeFileAtomicAsync',
    ]);
  });

  it('has a package.json with types-first exports, no side effects and no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(['dist', 'README.md']);
    expect(pkg.dependencies).toBeUndefined();
  });
});
