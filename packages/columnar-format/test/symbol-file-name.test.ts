import { describe, expect, it } from 'vitest';
import { fileNameToSymbol, isMmtapeError, symbolToFileName } from '../src/index.js';
import { catchError, mulberry32 } from './helpers.js';

describe('symbolToFileName / fileNameToSymbol', () => {
  const cases: [string, string][] = [
    ['AAPL', 'AAPL.col'],
    ['BRK.B', 'BRK.B.col'],
    ['BRK-B', 'BRK-B.col'],
    ['ES=F', 'ES%3DF.col'],
    ['^GSPC', '%5EGSPC.col'],
    ['../x', '%2E.%2Fx.col'],
    ['..', '%2E..col'],
    ['.hidden', '%2Ehidden.col'],
    ['a/b\\c', 'a%2Fb%5Cc.col'],
    ['nul\0', 'nul%00.col'],
    ['Ü日本', '%C3%9C%E6%97%A5%E6%9C%AC.col'],
    ['😀', '%F0%9F%98%80.col'],
    ['CON', '%43ON.col'],
    ['com1', '%63om1.col'],
    ['50%', '50%25.col'],
    ['A B', 'A%20B.col'],
  ];
  for (const [symbol, file] of cases) {
    it(`${JSON.stringify(symbol)} <-> ${file}`, () => {
      expect(symbolToFileName(symbol)).toBe(file);
      expect(fileNameToSymbol(file)).toBe(symbol);
    });
  }

  it('file names never contain path syntax and round-trip for seeded random symbols', () => {
    const rand = mulberry32(42);
    const alphabet = [
      '.',
      '/',
      '\\',
      '\0',
      '%',
      ':',
      '*',
      '?',
      'a',
      'Z',
      '9',
      '-',
      '_',
      'é',
      '€',
      '😀',
      ' ',
      '..',
    ];
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(rand() * 8);
      let s = '';
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const f = symbolToFileName(s);
      expect(f).toMatch(/^[A-Za-z0-9_%-][A-Za-z0-9._%-]*\.col$/);
      expect(f.startsWith('.')).toBe(false);
      expect(fileNameToSymbol(f)).toBe(s);
    }
  });

  it('rejects invalid symbols and non-canonical file names', () => {
    expect(
      isMmtapeError(
        catchError(() => symbolToFileName('')),
        'MMTAPE_FORMAT_INVALID_SYMBOL',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => symbolToFileName('\uD800')),
        'MMTAPE_FORMAT_INVALID_SYMBOL',
      ),
    ).toBe(true);
    expect(
      isMmtapeError(
        catchError(() => symbolToFileName('x'.repeat(300))),
        'MMTAPE_FORMAT_INVALID_SYMBOL',
      ),
    ).toBe(true);
    for (const bad of ['AAPL.csv', '%41APL.col', 'a%2fb.col', '%FF.col', '.x.col', 'a/b.col', '%2.col']) {
      expect(
        isMmtapeError(
          catchError(() => fileNameToSymbol(bad)),
          'MMTAPE_FORMAT_INVALID_SYMBOL',
        ),
      ).toBe(true);
    }
  });
});
