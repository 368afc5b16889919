import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWalkForwardError, loadSectors, parseSectorsCsv } from '../src/index.js';

function errorOf(text: string): Error & { code?: string } {
  try {
    parseSectorsCsv(text, 'sectors.csv');
  } catch (e) {
    expect(isWalkForwardError(e)).toBe(true);
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('parseSectorsCsv', () => {
  it('reads the symbol and sector columns by header name, in any order and case, ignoring others', () => {
    expect(parseSectorsCsv('Name,Sector,SYMBOL\nExxon,Energy,XOM\n"Apple, Inc.",Tech,AAPL\n\n')).toEqual({
      XOM: 'Energy',
      AAPL: 'Tech',
    });
    // No `sector` column: the only column ending in "sector" (the us-1min sample's `gics_sector`).
    expect(parseSectorsCsv('symbol,gics_sector\r\nAAL,Industrials\r\nAAL,Industrials\r\n')).toEqual({
      AAL: 'Industrials',
    });
    expect(parseSectorsCsv('\uFEFFsymbol,sector,gics_sector\n X , "Real Estate" ,Other\n')).toEqual({
      X: 'Real Estate',
    });
    expect(Object.keys(parseSectorsCsv('symbol,sector\n__proto__,Energy\n'))).toEqual(['__proto__']);
  });

  it('typed errors naming the file and line', () => {
    const noHeader = errorOf('AAL,Industrials\nAAPL,Tech\n');
    expect(noHeader.code).toBe('MMTAPE_WF_INVALID_INPUT');
    expect(noHeader.message).toContain('sectors.csv line 1');
    expect(noHeader.message).toContain('but got ["AAL","Industrials"]');
    expect(errorOf('symbol,industry\nA,B\n').message).toContain('["symbol","industry"]');
    expect(errorOf('symbol,gics_sector,sub_sector\nA,B,C\n').message).toContain(
      '["gics_sector","sub_sector"]',
    );
    expect(errorOf('').message).toContain('an empty file');
    const empty = errorOf('symbol,sector\nA,Energy\nB,\n');
    expect(empty.message).toContain('sectors.csv line 3: expected a sector for B');
    expect(errorOf('symbol,sector\nA,Energy\nB\n').message).toContain('line 3');
    const twice = errorOf('symbol,sector\nA,Energy\nB,Tech\nA,Tech\n');
    expect(twice.message).toContain(
      'sectors.csv line 4: expected sector "Energy" for A (as on line 2) but got "Tech"',
    );
    expect(errorOf('symbol,sector\n"A,Energy\n').message).toContain('sectors.csv');
  });

  it('loadSectors reads the file and names it in errors', () => {
    const path = join(tmpdir(), `mmtape-sectors-${process.pid}.csv`);
    writeFileSync(path, 'sector,symbol\nEnergy,XOM\n');
    expect(loadSectors(path)).toEqual({ XOM: 'Energy' });
    writeFileSync(path, 'ticker,sector\nXOM,Energy\n');
    expect(() => loadSectors(path)).toThrow(path);
    rmSync(path);
  });
});
