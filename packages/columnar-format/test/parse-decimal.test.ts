import { describe, expect, it } from 'vitest';
import { NOT_HANDLED, parseDecimal } from '../src/ingest/parse-decimal.js';
import { mulberry32 } from './helpers.js';

describe('parseDecimal', () => {
  it('equals Number(text) bit for bit on seeded random decimals', () => {
    const rand = mulberry32(20260101);
    const view = new DataView(new ArrayBuffer(16));
    let handled = 0;
    for (let i = 0; i < 50_000; i++) {
      const intDigits = Math.floor(rand() * 9);
      const fracDigits = Math.floor(rand() * (15 - intDigits + 1));
      const zeros = rand() < 0.1 ? '0'.repeat(Math.floor(rand() * 6)) : '';
      let text = rand() < 0.2 ? '-' : '';
      for (let d = 0; d < intDigits; d++) text += String(Math.floor(rand() * 10));
      if (fracDigits > 0 || zeros.length > 0 || rand() < 0.1) text += `.${zeros}`;
      for (let d = 0; d < fracDigits; d++) text += String(Math.floor(rand() * 10));
      if (!/\d/.test(text)) text += '7';
      const got = parseDecimal(text);
      const significant = text.replace(/[-.]/g, '').replace(/^0+/, '').length;
      if (significant > 15) {
        expect([text, Number.isNaN(got)]).toEqual([text, true]); // declined: caller uses Number()
        continue;
      }
      handled++;
      const want = Number(text);
      view.setFloat64(0, got);
      view.setFloat64(8, want);
      // Same bits (distinguishes -0 from 0).
      expect([view.getBigUint64(0), text]).toEqual([view.getBigUint64(8), text]);
    }
    expect(handled).toBeGreaterThan(45_000);
  });

  it('hard cases: -0, leading/trailing dot, 15 digits, exact halves', () => {
    const p = parseDecimal;
    expect(Object.is(p('-0'), -0)).toBe(true);
    expect(Object.is(p('-0.000'), -0)).toBe(true);
    expect(p('.5')).toBe(0.5);
    expect(p('5.')).toBe(5);
    expect(p('0.1')).toBe(0.1);
    expect(p('999999999999999')).toBe(999_999_999_999_999);
    expect(p('0.000000000000001')).toBe(1e-15);
    expect(p('0.0000000000000000000001')).toBe(1e-22); // 22 fraction digits, 1 significant
    expect(p('0000000000000000000012.5')).toBe(12.5); // leading zeros are not significant
    expect(p('51.75')).toBe(51.75);
    expect(p('162290.0')).toBe(162_290);
  });

  it('returns NOT_HANDLED (NaN) for every other shape, so the caller falls back to Number()', () => {
    for (const s of [
      '',
      '-',
      '.',
      '-.',
      '1e5',
      '+1',
      ' 1',
      '1 ',
      '1.2.3',
      'NaN',
      '0x1f',
      '1,5',
      'Infinity',
      '1234567890123456',
      '0.1234567890123456',
    ]) {
      expect([s, Number.isNaN(parseDecimal(s))]).toEqual([s, true]);
    }
    expect(Number.isNaN(NOT_HANDLED)).toBe(true);
  });
});
