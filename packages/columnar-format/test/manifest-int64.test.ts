import { mulberry32 } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';
import { checkManifestConsistency, compareInt64Decimal } from '../src/cross-check-manifest.js';
import { type DatasetManifest, validateManifest } from '../src/index.js';

/** A valid manifest of `symbols` symbols stored as members of one segment file, 4096 bytes apart. */
function manifest(symbols: number, firstNs = '1000', lastNs = '2000'): DatasetManifest {
  const entries = Array.from({ length: symbols }, (_, s) => ({
    symbol: `S${s}`,
    file: 'segment-00000.mmseg',
    rows: 2,
    firstTimestampNs: firstNs,
    lastTimestampNs: lastNs,
    partitions: [
      {
        key: '',
        file: 'segment-00000.mmseg',
        offsetBytes: s * 4096,
        rows: 2,
        firstTimestampNs: firstNs,
        lastTimestampNs: lastNs,
        sizeBytes: 1000,
        headerChecksum: '0123456789abcdef',
      },
    ],
  }));
  return {
    format: 'mmtape-dataset',
    formatVersion: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    schema: [{ name: 'ts', dtype: 'i64' }],
    symbols: entries,
    totalRows: 2 * symbols,
    firstTimestampNs: firstNs,
    lastTimestampNs: lastNs,
  };
}

describe('manifest int64 decimal strings (checked without BigInt)', () => {
  it('validateManifest accepts exactly the int64 range', () => {
    const accepted = [
      '0',
      '-0',
      '7',
      '-1',
      '999999999999999999',
      '9223372036854775807',
      '-9223372036854775808',
    ];
    const refused = ['9223372036854775808', '9999999999999999999', '-9223372036854775809', '01', '1e3', ''];
    for (const v of accepted) {
      expect(() => validateManifest(manifest(1, v, v), 'm.json'), v).not.toThrow();
    }
    for (const v of refused) {
      expect(() => validateManifest(manifest(1, v, '5'), 'm.json'), v).toThrow(
        expect.objectContaining({
          code: 'MMTAPE_DATASET_INVALID_MANIFEST',
          field: expect.stringMatching(/firstTimestampNs$/),
        }),
      );
    }
  });

  it('compareInt64Decimal orders like BigInt (seeded pairs, signs, lengths, -0, the ends of the range)', () => {
    const random = mulberry32(16);
    const values = ['0', '-0', '1', '-1', '9', '10', '-10', '9223372036854775807', '-9223372036854775808'];
    for (let i = 0; i < 300; i++) {
      const digits = 1 + Math.floor(random() * 19);
      let v = String(1 + Math.floor(random() * 9));
      for (let d = 1; d < digits; d++) v += String(Math.floor(random() * 10));
      if (BigInt(v) > 2n ** 63n - 1n) v = v.slice(1).replace(/^0+/, '') || '0';
      values.push(random() < 0.5 ? `-${v}` : v);
    }
    for (const a of values) {
      for (const b of values.slice(0, 60)) {
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(compareInt64Decimal(a, b), `${a} vs ${b}`).toBe(expected);
      }
    }
  });
});

describe('checkManifestConsistency over segment members', () => {
  it('members of one segment at distinct offsets are fine; the same offset twice names both places', () => {
    const m = manifest(5);
    expect(() => checkManifestConsistency('/nonexistent', 'm.json', m)).not.toThrow();
    m.symbols[3]!.partitions[0]!.offsetBytes = 4096;
    expect(() => checkManifestConsistency('/nonexistent', 'm.json', m)).toThrow(
      expect.objectContaining({
        code: 'MMTAPE_DATASET_MISMATCH',
        field: 'symbols[3].partitions[0].file',
        actual: 'segment-00000.mmseg@4096',
        message: expect.stringContaining('is also symbols[1].partitions[0]'),
      }),
    );
  });

  it('partitions out of time order are refused (compared as int64, not as strings)', () => {
    const m = manifest(1);
    const [p] = m.symbols[0]!.partitions;
    m.symbols[0]!.partitions.push({
      ...p!,
      key: 'b',
      offsetBytes: 8192,
      firstTimestampNs: '999',
      lastTimestampNs: '1500',
    });
    m.symbols[0]!.partitions[0]!.lastTimestampNs = '1000';
    m.symbols[0]!.lastTimestampNs = '1500';
    m.symbols[0]!.rows = 4;
    m.totalRows = 4;
    expect(() => checkManifestConsistency('/nonexistent', 'm.json', m)).toThrow(
      expect.objectContaining({ field: 'symbols[0].partitions[1].firstTimestampNs' }),
    );
    m.symbols[0]!.partitions[1]!.firstTimestampNs = '1000'; // equal to the previous last: allowed
    expect(() => checkManifestConsistency('/nonexistent', 'm.json', m)).not.toThrow();
  });
});
