import { describe, expect, it } from 'vitest';
import { BAR_SYMBOLS, hybridToken, SYMBOL_BASE, SYMBOL_RAW_BITS } from '../src/bar/hybrid-token.js';
import {
  ByteSink,
  CONTEXT_VALUES,
  clusterContexts,
  normalizeCounts,
  readTableInto,
  TableReader,
  writeTable,
} from '../src/bar/rans-tables.js';
import { mulberry32 } from './helpers.js';

describe('bar rANS tables', () => {
  it('hybrid tokens cover every integer below 2^53 exactly once (base + raw bits)', () => {
    const r = mulberry32(5);
    const values = [
      0,
      1,
      15,
      16,
      17,
      23,
      24,
      31,
      32,
      2 ** 24,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 52 + 12345,
      2 ** 53 - 1,
    ];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(r() * 2 ** Math.floor(r() * 53)));
    for (const q of values) {
      const t = hybridToken(q);
      const base = SYMBOL_BASE[t] as number;
      const bits = SYMBOL_RAW_BITS[t] as number;
      expect(q >= base && q - base < 2 ** bits, `q ${q} token ${t}`).toBe(true);
      if (t + 1 < 114) expect(q < (SYMBOL_BASE[t + 1] as number), `q ${q} below the next token`).toBe(true);
    }
  });

  it('normalises seeded counts to exactly 2^P with every present symbol >= 1, and round-trips tables', () => {
    const r = mulberry32(11);
    for (const bits of [10, 11, 12]) {
      for (let trial = 0; trial < 12; trial++) {
        const counts = new Float64Array(BAR_SYMBOLS);
        const present = 1 + Math.floor(r() * BAR_SYMBOLS);
        for (let k = 0; k < present; k++)
          counts[Math.floor(r() * BAR_SYMBOLS)] = 1 + Math.floor(r() ** 4 * 1e6);
        const freqs = new Int32Array(BAR_SYMBOLS);
        normalizeCounts(counts, 0, bits, freqs);
        let sum = 0;
        for (let s = 0; s < BAR_SYMBOLS; s++) {
          expect((freqs[s] as number) > 0).toBe((counts[s] as number) > 0);
          sum += freqs[s] as number;
        }
        expect(sum).toBe(1 << bits);
        const sink = new ByteSink();
        writeTable(sink, freqs, 0);
        const packed = new Int32Array(1 << bits);
        const symbols = new Int32Array(1 << bits);
        const reader = new TableReader(sink.view(), 0, sink.length);
        readTableInto(reader, bits, packed, symbols, 0);
        expect(reader.at).toBe(sink.length);
        const seen = new Int32Array(BAR_SYMBOLS);
        for (let x = 0; x < 1 << bits; x++) {
          const sym = (symbols[x] as number) & 511;
          seen[sym] = (seen[sym] as number) + 1;
        }
        expect(Array.from(seen)).toEqual(Array.from(freqs));
      }
    }
  });

  it('rejects tables whose frequencies do not sum to 2^P or name symbols out of range', () => {
    const sink = new ByteSink();
    sink.varint(2);
    sink.varint(0); // symbol 0
    sink.varint(999); // freq 1000
    sink.varint(0); // symbol 1
    sink.varint(10); // freq 11: 1011 != 1024
    const slots = () => [new Int32Array(1024), new Int32Array(1024)] as const;
    expect(() => readTableInto(new TableReader(sink.view(), 0, sink.length), 10, ...slots(), 0)).toThrow(
      /sum/,
    );
    const far = new ByteSink();
    far.varint(1);
    far.varint(BAR_SYMBOLS); // symbol 456
    far.varint(1023);
    expect(() => readTableInto(new TableReader(far.view(), 0, far.length), 10, ...slots(), 0)).toThrow(
      /symbol/,
    );
    // Truncated: the reader never reads past its end.
    expect(() => readTableInto(new TableReader(sink.view(), 0, 3), 10, ...slots(), 0)).toThrow(/end/);
  });

  it('splits context values into runs only where separate tables pay for themselves', () => {
    const hist = new Float64Array(CONTEXT_VALUES * BAR_SYMBOLS);
    const r = mulberry32(3);
    // Contexts 0..9 mostly symbol 0, contexts 10..19 mostly symbols 20..40: two regimes.
    for (let c = 0; c < 20; c++) {
      for (let k = 0; k < 5000; k++) {
        const s = c < 10 ? (r() < 0.9 ? 0 : 1 + Math.floor(r() * 4)) : 20 + Math.floor(r() * 21);
        hist[c * BAR_SYMBOLS + s] = (hist[c * BAR_SYMBOLS + s] as number) + 1;
      }
    }
    expect(clusterContexts(hist, 12)).toEqual([0, 10]);
    // A handful of samples: one table.
    const few = new Float64Array(CONTEXT_VALUES * BAR_SYMBOLS);
    few[0] = 3;
    few[30 * BAR_SYMBOLS + 50] = 2;
    expect(clusterContexts(few, 12)).toEqual([0]);
  });
});
