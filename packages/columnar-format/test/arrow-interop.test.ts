import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColumnFile, writeColumnFile } from '@mmtape/columnar-format';
import {
  columnFileToArrowTable,
  columnToArrowVector,
  writeArrowIpcFile,
} from '@mmtape/columnar-format/arrow';
import { mmapStatus } from '@mmtape/mmap-core';
import { Type, tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small column file with seeded values: ts (i64 ns), close (f64), volume (f64), flag (i32). */
function makeFile(symbol: string, rows: number, seed: number): string {
  const path = join(dir, `${symbol}.col`);
  let state = seed >>> 0;
  const rand = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ts = new BigInt64Array(rows);
  const close = new Float64Array(rows);
  const volume = new Float64Array(rows);
  const flag = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    ts[i] = 1_600_000_000_000_000_000n + BigInt(i) * 60_000_000_000n;
    close[i] = 100 + rand() * 10;
    volume[i] = Math.floor(rand() * 1e6);
    flag[i] = i % 3;
  }
  writeColumnFile(path, {
    symbol,
    columns: [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'close', dtype: 'f64', data: close },
      { name: 'volume', dtype: 'f64', data: volume },
      { name: 'flag', dtype: 'i32', data: flag },
    ],
  });
  return path;
}

describe('arrow interop', () => {
  it('an Arrow vector aliases the memory-mapped column (no copy)', () => {
    const file = ColumnFile.open(makeFile('AAA', 1000, 1));
    try {
      if (mmapStatus().backend === 'mmap') expect(file.file.backend).toBe('mmap');
      const view = file.f64('close');
      const vector = columnToArrowVector(file, 'close');
      const values = vector.data[0]!.values as Float64Array;
      expect(vector.type.typeId).toBe(Type.Float);
      expect(vector.length).toBe(1000);
      // Same memory: same ArrayBuffer (the mapping), same offset and length.
      expect(values.buffer).toBe(file.bytes.buffer);
      expect(values.buffer).toBe(view.buffer);
      expect(values.byteOffset).toBe(view.byteOffset);
      expect(values.byteLength).toBe(view.byteLength);
      // Reads through Arrow see the mapped bytes.
      for (const i of [0, 1, 499, 999]) expect(vector.get(i)).toBe(view[i]);
      const ts = columnToArrowVector(file, 'ts');
      expect(ts.type.typeId).toBe(Type.Timestamp);
      expect((ts.data[0]!.values as BigInt64Array).buffer).toBe(file.bytes.buffer);
      expect((columnToArrowVector(file, 'flag').data[0]!.values as Int32Array).buffer).toBe(
        file.bytes.buffer,
      );
    } finally {
      file.close();
    }
  });

  it('also aliases the buffer with the read-into-memory fallback', () => {
    const file = ColumnFile.open(makeFile('FBK', 64, 2), { forceFallback: true });
    try {
      const values = columnToArrowVector(file, 'close').data[0]!.values as Float64Array;
      expect(values.buffer).toBe(file.bytes.buffer);
      expect(values.byteOffset).toBe(file.f64('close').byteOffset);
    } finally {
      file.close();
    }
  });

  it('writes an Arrow IPC file that apache-arrow reads back equal', async () => {
    const a = ColumnFile.open(makeFile('AAB', 500, 3));
    const b = ColumnFile.open(makeFile('BBB', 300, 4));
    try {
      const out = join(dir, 'two.arrow');
      const bytes = await writeArrowIpcFile(out, [
        columnFileToArrowTable(a, { symbolColumn: true }),
        columnFileToArrowTable(b, { symbolColumn: true }),
      ]);
      const raw = readFileSync(out);
      expect(raw.byteLength).toBe(bytes);
      // Arrow IPC file magic at both ends.
      expect(raw.subarray(0, 6).toString('latin1')).toBe('ARROW1');
      expect(raw.subarray(raw.byteLength - 6).toString('latin1')).toBe('ARROW1');
      const table = tableFromIPC(raw);
      expect(table.numRows).toBe(800);
      expect(table.schema.fields.map((f) => f.name)).toEqual(['symbol', 'ts', 'close', 'volume', 'flag']);
      const close = table.getChild('close')!;
      const sym = table.getChild('symbol')!;
      const ts = table.getChild('ts')!;
      const aClose = a.f64('close');
      const bClose = b.f64('close');
      expect(close.get(0)).toBe(aClose[0]);
      expect(close.get(499)).toBe(aClose[499]);
      expect(close.get(500)).toBe(bClose[0]);
      expect(close.get(799)).toBe(bClose[299]);
      expect(sym.get(0)).toBe('AAB');
      expect(sym.get(799)).toBe('BBB');
      expect(ts.type.typeId).toBe(Type.Timestamp);
    } finally {
      a.close();
      b.close();
    }
  });

  it('selects columns and records the symbol in the schema metadata', () => {
    const file = ColumnFile.open(makeFile('CCC', 10, 5));
    try {
      const table = columnFileToArrowTable(file, { columns: ['ts', 'close'] });
      expect(table.schema.fields.map((f) => f.name)).toEqual(['ts', 'close']);
      expect(table.schema.metadata.get('mmtape.symbol')).toBe('CCC');
      expect(table.numRows).toBe(10);
    } finally {
      file.close();
    }
  });
});
