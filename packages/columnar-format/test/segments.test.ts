import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTO_SEGMENT_MIN_FILES,
  Dataset,
  DatasetWriter,
  isMmtapeError,
  MANIFEST_FILE_NAME,
  SEGMENT_MEMBER_ALIGNMENT_BYTES,
} from '../src/index.js';
import { hydrateDataset, openPackedDataset, packDataset } from '../src/pack/index.js';
import { catchError, currentGenerationDir, dataFiles, mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-seg-');
afterAll(cleanup);

const T0 = 1_514_764_800_000_000_000n; // 2018-01-01T00:00:00Z
const MINUTE = 60_000_000_000n;
const DAY = 86_400_000_000_000n;

/** Seeded OHLC-ish columns: `rows` minutes from `start`, random walk close, random volume. */
function series(seed: number, rows: number, start = T0, stepNs = MINUTE) {
  const random = mulberry32(seed);
  const ts = BigInt64Array.from({ length: rows }, (_, i) => start + BigInt(i) * stepNs);
  let price = 50 + random() * 100;
  const close = Float64Array.from({ length: rows }, () => {
    price *= 1 + (random() - 0.5) * 0.002;
    return Math.round(price * 100) / 100;
  });
  const volume = Float64Array.from({ length: rows }, () => Math.floor(random() * 10_000));
  return [
    { name: 'ts', dtype: 'i64' as const, data: ts },
    { name: 'close', dtype: 'f64' as const, data: close },
    { name: 'volume', dtype: 'f64' as const, data: volume },
  ];
}

const SYMBOLS = Array.from({ length: 40 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const rowsOf = (i: number) => 50 + ((i * 37) % 400); // 50..449 rows, different sizes

function write(out: string, options: { segmentBytes?: number; partition?: 'none' | 'day' } = {}) {
  const w = DatasetWriter.create(out, { durable: false, ...options });
  // Written in reverse order: segments must still hold members in (partition key, symbol) order.
  for (let i = SYMBOLS.length - 1; i >= 0; i--) {
    const stepNs = options.partition === 'day' ? 37n * MINUTE : MINUTE;
    w.writeSymbol(SYMBOLS[i]!, series(i + 1, rowsOf(i), T0, stepNs));
  }
  return w.finish();
}

function expectSameData(a: Dataset, b: Dataset) {
  expect(b.symbols).toEqual(a.symbols);
  for (const symbol of a.symbols) {
    const fa = a.openPartitions(symbol);
    const fb = b.openPartitions(symbol);
    expect(fb.length).toBe(fa.length);
    for (let k = 0; k < fa.length; k++) {
      expect(fb[k]!.symbol).toBe(symbol);
      expect(fb[k]!.rowCount).toBe(fa[k]!.rowCount);
      expect(fb[k]!.headerChecksum).toBe(fa[k]!.headerChecksum);
      expect(fb[k]!.timestampsNs()).toEqual(fa[k]!.timestampsNs());
      expect(fb[k]!.f64('close')).toEqual(fa[k]!.f64('close'));
      expect(fb[k]!.f64('volume')).toEqual(fa[k]!.f64('volume'));
    }
  }
}

describe('segment files (DatasetWriter segmentBytes, Dataset)', () => {
  const plainDir = join(dir, 'plain');
  write(plainDir);

  it('stores every column file in one segment and reads back the same data, zero-copy', () => {
    const out = join(dir, 'one-segment');
    const m = write(out, { segmentBytes: 64 * 2 ** 20 });
    expect(dataFiles(out)).toEqual([MANIFEST_FILE_NAME, 'segment-00000.mmseg']);
    const offsets = m.symbols.map((s) => s.partitions![0]!.offsetBytes!);
    // Members in symbol order, aligned, not overlapping.
    for (let i = 0; i < offsets.length; i++) {
      expect(offsets[i]! % SEGMENT_MEMBER_ALIGNMENT_BYTES).toBe(0);
      expect(m.symbols[i]!.file).toBe('segment-00000.mmseg');
      if (i > 0) {
        const prev = m.symbols[i - 1]!.partitions![0]!;
        expect(offsets[i]!).toBeGreaterThanOrEqual(prev.offsetBytes! + prev.sizeBytes);
        expect(offsets[i]! - (prev.offsetBytes! + prev.sizeBytes)).toBeLessThan(
          SEGMENT_MEMBER_ALIGNMENT_BYTES,
        );
      }
    }
    const last = m.symbols.at(-1)!.partitions![0]!;
    expect(statSync(join(currentGenerationDir(out), 'segment-00000.mmseg')).size).toBe(
      last.offsetBytes! + last.sizeBytes,
    );
    const plain = Dataset.open(plainDir);
    const seg = Dataset.open(out);
    expectSameData(plain, seg);
    // One mapping: every member's views alias the same ArrayBuffer, at the member's offset.
    const a = seg.open(SYMBOLS[0]!);
    const b = seg.open(SYMBOLS[7]!);
    expect(a.bytes.buffer).toBe(b.bytes.buffer);
    expect(b.file.baseOffsetBytes).toBe(m.symbols[7]!.partitions![0]!.offsetBytes);
    expect(b.verifyNoCopies({ all: true }).every((c) => c.aliases)).toBe(true);
    expect(b.path).toBe(
      `${join(currentGenerationDir(out), 'segment-00000.mmseg')}@${b.file.baseOffsetBytes}`,
    );
    expect(seg.verify()).toEqual(plain.verify());
    plain.close();
    seg.close();
  });

  it('starts a new segment when the next member would pass segmentBytes', () => {
    const out = join(dir, 'small-segments');
    const segmentBytes = 3 * SEGMENT_MEMBER_ALIGNMENT_BYTES * 4;
    const m = write(out, { segmentBytes });
    const names = dataFiles(out).filter((n) => n.endsWith('.mmseg'));
    expect(names.length).toBeGreaterThan(2);
    for (const name of names) {
      const members = m.symbols.map((s) => s.partitions![0]!).filter((p) => p.file === name);
      const size = statSync(join(currentGenerationDir(out), name)).size;
      // Several members per segment, none past the cap unless it is alone.
      if (members.length > 1) expect(size).toBeLessThanOrEqual(segmentBytes);
      expect(members[0]!.offsetBytes).toBe(0);
    }
    const plain = Dataset.open(plainDir);
    const seg = Dataset.open(out);
    expectSameData(plain, seg);
    plain.close();
    seg.close();
  });

  it('orders members of a partitioned dataset by day, then symbol', () => {
    const out = join(dir, 'partitioned');
    const m = write(out, { segmentBytes: 64 * 2 ** 20, partition: 'day' });
    const parts = m.symbols.flatMap((s) => s.partitions!.map((p) => ({ symbol: s.symbol, ...p })));
    expect(new Set(parts.map((p) => p.key)).size).toBeGreaterThan(2);
    const byOffset = [...parts].sort((a, b) => a.offsetBytes! - b.offsetBytes!);
    const sorted = [...parts].sort((a, b) =>
      a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.symbol < b.symbol ? -1 : 1,
    );
    expect(byOffset.map((p) => `${p.key}/${p.symbol}`)).toEqual(sorted.map((p) => `${p.key}/${p.symbol}`));
    const seg = Dataset.open(out);
    const range = seg.openRange({ startNs: T0 + DAY, endNs: T0 + 2n * DAY });
    for (const r of range) {
      for (const s of r.slices) {
        const ts = s.file.timestampsNs();
        expect(ts[s.startRow]!).toBeGreaterThanOrEqual(T0 + DAY);
        expect(ts[s.endRow - 1]!).toBeLessThan(T0 + 2n * DAY);
      }
    }
    expect(range.reduce((n, r) => n + r.rows, 0)).toBeGreaterThan(0);
    seg.close();
  });

  it('packs a segmented dataset member by member and hydrates it byte-identically (pack format 3)', async () => {
    const src = join(dir, 'to-pack');
    write(src, { segmentBytes: 3 * SEGMENT_MEMBER_ALIGNMENT_BYTES * 4 });
    const segmentNames = dataFiles(src).filter((n) => n.endsWith('.mmseg'));
    const report = await packDataset(src, join(dir, 'packed'));
    expect(report.files).toBe(SYMBOLS.length); // every member packed as a column file
    expect(report.otherFiles).toBe(1); // manifest.json
    expect(report.index.formatVersion).toBe(3);
    expect(report.index.segments!.map((x) => x.path).sort()).toEqual(segmentNames.sort());
    expect(
      report.index.files.every((f) => f.segment !== undefined && f.path.startsWith(f.segment.path)),
    ).toBe(true);
    // The same data packed from one file per symbol: the member-wise pack is as small (up to the zero gaps).
    const plainReport = await packDataset(plainDir, join(dir, 'packed-plain'));
    expect(report.packedBytes).toBeLessThan(plainReport.packedBytes * 1.02);
    await hydrateDataset(join(dir, 'packed'), join(dir, 'hydrated'));
    expect(dataFiles(join(dir, 'hydrated'))).toEqual(dataFiles(src));
    for (const name of dataFiles(src)) {
      expect(
        readFileSync(join(currentGenerationDir(join(dir, 'hydrated')), name)).equals(
          readFileSync(join(currentGenerationDir(src), name)),
        ),
      ).toBe(true);
    }
    const plain = Dataset.open(plainDir);
    const hydrated = Dataset.open(join(dir, 'hydrated'));
    expectSameData(plain, hydrated);
    plain.close();
    hydrated.close();
    // Reading the pack directly: a member's chunks decode to the symbol's columns.
    const packed = openPackedDataset(join(dir, 'packed'));
    const f = packed.open(SYMBOLS[9]!);
    const chunk = await f.readChunk(0);
    const original = Dataset.open(plainDir);
    expect((chunk.columns.close as Float64Array).subarray(0, chunk.rows)).toEqual(
      original.open(SYMBOLS[9]!).f64('close').subarray(0, chunk.rows),
    );
    original.close();
    packed.close();
  });

  it('stores a segment whole when it cannot be rebuilt from its members (a stray byte between members)', async () => {
    const src = join(dir, 'stray');
    const m = write(src, { segmentBytes: 64 * 2 ** 20 });
    const segPath = join(currentGenerationDir(src), 'segment-00000.mmseg');
    const bytes = readFileSync(segPath);
    const p0 = m.symbols[0]!.partitions![0]!;
    bytes[p0.offsetBytes! + p0.sizeBytes] = 7; // inside the zero gap after member 0
    writeFileSync(segPath, bytes);
    const report = await packDataset(src, join(dir, 'stray-packed'));
    expect(report.files).toBe(0);
    expect(report.otherFiles).toBe(2);
    await hydrateDataset(join(dir, 'stray-packed'), join(dir, 'stray-hydrated'));
    expect(
      readFileSync(join(currentGenerationDir(join(dir, 'stray-hydrated')), 'segment-00000.mmseg')).equals(
        bytes,
      ),
    ).toBe(true);
  });

  it("'auto' (the default) writes segments from AUTO_SEGMENT_MIN_FILES column files, one file each below; false never", () => {
    const tiny = (n: number, out: string, segmentBytes?: false) => {
      const w = DatasetWriter.create(out, {
        durable: false,
        ...(segmentBytes === false ? { segmentBytes } : {}),
      });
      for (let i = 0; i < n; i++) w.writeSymbol(`T${String(i).padStart(4, '0')}`, series(i, 3));
      return w.finish();
    };
    const off = tiny(AUTO_SEGMENT_MIN_FILES, join(dir, 'auto-off'), false);
    expect(off.symbols.every((s) => s.partitions![0]!.offsetBytes === undefined)).toBe(true);
    expect(dataFiles(join(dir, 'auto-off')).filter((n) => n.endsWith('.col')).length).toBe(
      AUTO_SEGMENT_MIN_FILES,
    );
    const below = tiny(AUTO_SEGMENT_MIN_FILES - 1, join(dir, 'auto-below'));
    expect(below.symbols.every((s) => s.partitions![0]!.offsetBytes === undefined)).toBe(true);
    expect(dataFiles(join(dir, 'auto-below')).filter((n) => n.endsWith('.col')).length).toBe(
      AUTO_SEGMENT_MIN_FILES - 1,
    );
    const at = tiny(AUTO_SEGMENT_MIN_FILES, join(dir, 'auto-at'));
    expect(at.symbols.every((s) => s.file === 'segment-00000.mmseg')).toBe(true);
    expect(dataFiles(join(dir, 'auto-at'))).toEqual([MANIFEST_FILE_NAME, 'segment-00000.mmseg']);
    const ds = Dataset.open(join(dir, 'auto-at'));
    expect(ds.open('T0499').f64('close')).toEqual(series(499, 3)[1]!.data);
    ds.close();
  });

  it('rejects segmentBytes outside its range', () => {
    for (const bad of [0, 100, 1.5, 2 ** 31, true as unknown as number, 'big' as unknown as number]) {
      const error = catchError(() => DatasetWriter.create(join(dir, `bad-${bad}`), { segmentBytes: bad }));
      expect(isMmtapeError(error, 'MMTAPE_DATASET_WRITER_MISUSE')).toBe(true);
      expect((error as Error).message).toContain('segmentBytes');
    }
  });

  it('names the segment and offset when the manifest and the segment disagree, never reading out of bounds', () => {
    const out = join(dir, 'corrupt');
    const m = write(out, { segmentBytes: 64 * 2 ** 20 });
    const segPath = join(currentGenerationDir(out), 'segment-00000.mmseg');
    const original = readFileSync(segPath);
    // 1. A truncated segment: members past the end are reported, members before still open.
    const lastPart = m.symbols.at(-1)!.partitions![0]!;
    truncateSync(segPath, lastPart.offsetBytes! + 100);
    let ds = Dataset.open(out);
    expect(ds.open(SYMBOLS[0]!).rowCount).toBe(rowsOf(0));
    const truncated = catchError(() => ds.open(SYMBOLS.at(-1)!));
    expect(isMmtapeError(truncated, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((truncated as Error).message).toContain(`${segPath}@${lastPart.offsetBytes}`);
    ds.close();
    // 2. A member whose header is overwritten: the column-file validation names the member.
    const damaged = Buffer.from(original);
    const third = m.symbols[2]!.partitions![0]!;
    damaged.fill(0xab, third.offsetBytes!, third.offsetBytes! + 16);
    writeFileSync(segPath, damaged);
    ds = Dataset.open(out);
    const bad = catchError(() => ds.open(SYMBOLS[2]!));
    expect(isMmtapeError(bad)).toBe(true);
    expect((bad as Error).message).toContain(`@${third.offsetBytes}`);
    expect(ds.open(SYMBOLS[3]!).rowCount).toBe(rowsOf(3));
    ds.close();
    // 3. A manifest pointing one member at another member's bytes lists that member twice: refused when
    // the dataset is opened (manifest cross-check), whatever the size it gives.
    writeFileSync(segPath, original);
    const manifest = JSON.parse(readFileSync(join(currentGenerationDir(out), MANIFEST_FILE_NAME), 'utf8'));
    const fifth = manifest.symbols[5].partitions[0];
    expect(manifest.symbols[4].partitions[0].sizeBytes).toBeLessThan(fifth.sizeBytes);
    manifest.symbols[4].partitions[0].offsetBytes = fifth.offsetBytes;
    writeFileSync(join(currentGenerationDir(out), MANIFEST_FILE_NAME), JSON.stringify(manifest));
    const moved = catchError(() => Dataset.open(out));
    expect(isMmtapeError(moved, 'MMTAPE_DATASET_MISMATCH')).toBe(true);
    expect((moved as Error).message).toContain(`segment-00000.mmseg@${fifth.offsetBytes} is also`);
    // Members 4 and 5 swapped: the slice bounds catch the larger member read under the smaller size
    // (columns past its end), the symbol check the other.
    manifest.symbols[5].partitions[0].offsetBytes = m.symbols[4]!.partitions![0]!.offsetBytes;
    writeFileSync(join(currentGenerationDir(out), MANIFEST_FILE_NAME), JSON.stringify(manifest));
    ds = Dataset.open(out);
    const small = catchError(() => ds.open(SYMBOLS[4]!));
    expect(isMmtapeError(small, 'MMTAPE_FORMAT_COLUMN_OUT_OF_BOUNDS')).toBe(true);
    expect((small as Error).message).toContain(`${segPath}@${m.symbols[5]!.partitions![0]!.offsetBytes}`);
    expect(
      isMmtapeError(
        catchError(() => ds.open(SYMBOLS[5]!)),
        'MMTAPE_DATASET_MISMATCH',
      ),
    ).toBe(true);
    ds.close();
    // 4. An unaligned offset is refused by manifest validation.
    manifest.symbols[4].partitions[0].offsetBytes = 100;
    writeFileSync(join(currentGenerationDir(out), MANIFEST_FILE_NAME), JSON.stringify(manifest));
    const invalid = catchError(() => Dataset.open(out));
    expect(isMmtapeError(invalid, 'MMTAPE_DATASET_INVALID_MANIFEST')).toBe(true);
    expect((invalid as Error).message).toContain('offsetBytes');
  });
});
