import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnFile, Dataset, DatasetWriter, readCurrentGeneration } from '@mmtape/columnar-format';
import { replayDataset } from '@mmtape/merge-replay';
import { mulberry32 } from '@mmtape/test-utils';
import { buildPanel, panelDigest } from '@mmtape/walk-forward';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../src/cli-error.js';
import { runExport } from '../src/commands/export.js';
import { ExitCode } from '../src/exit-codes.js';
import { main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

/**
 * Verified reads end to end: seeded corruption of a stored dataset must end in a typed data error (exit 2)
 * or in exactly the clean answer, for replay, the walk-forward panel load and export. Never a different sum.
 */

const tmp = tempDir('verified');
afterAll(() => tmp.cleanup());
const ds = join(tmp.dir, 'ds');
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD'];
// 20,000 rows: 160,000 bytes per 8-byte column = 3 checksum blocks of 64 KiB (the last one shorter).
const ROWS = 20_000;
const T0 = 1_514_764_800_000_000_000n;
const MINUTE = 60_000_000_000n;

const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));
/** XORs byte `at` of `b` with `mask`. */
const flip = (b: Buffer, at: number, mask: number): void => {
  b[at] = b[at]! ^ mask;
};
const isMmtapeError = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[Symbol.for('mmtape.error')] === true;

interface Answers {
  replay: string;
  panel: string;
  export: string;
}

/**
 * Replay (events, sum of close, xor of ts), panel digest and exported Arrow bytes; each or its error.
 * `replayOnly` skips the panel and the export (their fields are then empty strings).
 */
async function answers(
  verify: boolean,
  replayOnly = false,
): Promise<{ [K in keyof Answers]: string | Error }> {
  const attempt = async (fn: () => string | Promise<string>): Promise<string | Error> => {
    try {
      return await fn();
    } catch (e) {
      return e as Error;
    }
  };
  const replay = await attempt(() => {
    const dataset = Dataset.open(ds, { verify });
    try {
      let sum = 0;
      let tsXor = 0n;
      const stats = replayDataset(dataset, { columns: ['close'], memory: false }, (batch) => {
        const close = batch.columns.close as Float64Array;
        for (let i = 0; i < batch.length; i++) sum += close[i]!;
        tsXor ^= batch.timestampNs;
      });
      return `${stats.events}:${sum}:${tsXor}`;
    } finally {
      dataset.close();
    }
  });
  if (replayOnly) return { replay, panel: '', export: '' };
  const panel = await attempt(() => {
    const dataset = Dataset.open(ds, { verify });
    try {
      return panelDigest(buildPanel(dataset, { verify }));
    } finally {
      dataset.close();
    }
  });
  const out = join(tmp.dir, 'export.arrow');
  const exported = await attempt(async () => {
    await runExport(ds, { out, format: 'arrow', overwrite: true, verify }, quietCtx);
    return createHash('sha256').update(readFileSync(out)).digest('hex');
  });
  rmSync(out, { force: true });
  return { replay, panel, export: exported };
}

let clean: { [K in keyof Answers]: string | Error };
/** Column files of the dataset's published generation (set once it is written). */
let paths: string[] = [];
const layout: {
  headerLengthBytes: number;
  columns: { name: string; offsetBytes: number; lengthBytes: number }[];
}[] = [];

beforeAll(async () => {
  const rand = mulberry32(2026);
  const w = DatasetWriter.create(ds);
  for (const symbol of SYMBOLS) {
    const ts = BigInt64Array.from({ length: ROWS }, (_, i) => T0 + BigInt(i) * MINUTE);
    let price = 100;
    const close = Float64Array.from({ length: ROWS }, () => {
      price *= 1 + (rand() - 0.5) * 0.01;
      return Math.round(price * 100) / 100;
    });
    w.writeSymbol(symbol, [
      { name: 'ts', dtype: 'i64', data: ts },
      { name: 'close', dtype: 'f64', data: close },
      {
        name: 'volume',
        dtype: 'f64',
        data: Float64Array.from({ length: ROWS }, () => Math.floor(rand() * 1e4)),
      },
    ]);
  }
  w.finish();
  paths = SYMBOLS.map((s) => join(ds, readCurrentGeneration(ds)!, `${s}.col`));
  for (const path of paths) {
    const f = ColumnFile.open(path);
    layout.push({ headerLengthBytes: f.headerLengthBytes, columns: f.columns.map((c) => ({ ...c })) });
    f.close();
  }
  clean = await answers(true);
});

/** Applies `mutate` to file `k`, runs `fn`, restores the file. */
async function withCorruption<T>(k: number, mutate: (b: Buffer) => void, fn: () => Promise<T>): Promise<T> {
  const original = readFileSync(paths[k]!);
  const b = Buffer.from(original);
  mutate(b);
  writeFileSync(paths[k]!, b);
  try {
    return await fn();
  } finally {
    writeFileSync(paths[k]!, original);
  }
}

describe('verified reads: seeded corruption never gives a different answer', () => {
  it('the clean dataset answers (no errors)', () => {
    for (const v of Object.values(clean)) expect(typeof v).toBe('string');
  });

  it('120 seeded corruptions of ts / close blocks, header bytes, dtype codes and byte ranges: typed error (exit 2) or the clean answer', async () => {
    const rand = mulberry32(14);
    const counts = { errors: 0, same: 0, unverifiedDifferent: 0 };
    const kinds: string[] = [];
    for (let c = 0; c < 120; c++) {
      const k = Math.floor(rand() * paths.length);
      const file = layout[k]!;
      const col = (name: string) => file.columns.find((x) => x.name === name)!;
      const r = rand();
      let kind: string;
      let mutate: (b: Buffer) => void;
      if (r < 0.35 || r >= 0.9) {
        kind = r < 0.35 ? 'ts' : 'close';
        const { offsetBytes, lengthBytes } = col(kind);
        const at = offsetBytes + Math.floor(rand() * lengthBytes);
        const bit = 1 << Math.floor(rand() * 8);
        mutate = (b) => {
          b[at] = b[at]! ^ bit;
        };
      } else if (r < 0.7) {
        kind = 'close';
        const { offsetBytes, lengthBytes } = col('close');
        const at = offsetBytes + Math.floor(rand() * lengthBytes);
        const bit = 1 << Math.floor(rand() * 8);
        mutate = (b) => {
          b[at] = b[at]! ^ bit;
        };
      } else if (r < 0.8) {
        kind = 'header';
        const at = Math.floor(rand() * file.headerLengthBytes);
        const bit = 1 << Math.floor(rand() * 8);
        mutate = (b) => {
          b[at] = b[at]! ^ bit;
        };
      } else if (r < 0.85) {
        kind = 'dtype';
        // close f64 (2) -> i64 (1): a valid code, only the header checksum catches it.
        mutate = (b) => {
          const nameAt = b.subarray(0, file.headerLengthBytes).indexOf(Buffer.from('close'));
          b[nameAt + 5] = 1;
        };
      } else {
        kind = 'zeroed';
        const size = readFileSync(paths[k]!).byteLength;
        const length = 1 + Math.floor(rand() * 64);
        const at = Math.floor(rand() * (size - length));
        mutate = (b) => {
          b.fill(0, at, at + length);
        };
      }
      kinds.push(kind);
      await withCorruption(k, mutate, async () => {
        const verified = await answers(true);
        for (const [what, got] of Object.entries(verified)) {
          const want = clean[what as keyof Answers];
          if (got instanceof Error) {
            expect(isMmtapeError(got), `case ${c} (${kind}) ${what}: ${got.message}`).toBe(true);
            expect(exitCodeFor(got), `case ${c} (${kind}) ${what}: ${got.message}`).toBe(ExitCode.data);
            counts.errors++;
          } else {
            expect(got, `case ${c} (${kind}) ${what}: a different answer with exit 0`).toBe(want);
            counts.same++;
          }
        }
        if (kind === 'ts' || kind === 'close') {
          const unverified = await answers(false, true);
          if (unverified.replay !== clean.replay) counts.unverifiedDifferent++;
        }
      });
    }
    // The corruptions mattered: most were caught, and without verification flipped data changes results.
    expect(kinds.filter((x) => x === 'ts').length).toBeGreaterThan(20);
    expect(kinds.filter((x) => x === 'close').length).toBeGreaterThan(20);
    expect(counts.errors).toBeGreaterThan(250);
    expect(counts.unverifiedDifferent).toBeGreaterThan(30);
  }, 300_000);

  it('a flipped close bit: replay, panel and export throw BLOCK_CHECKSUM_MISMATCH naming file, column, block and bytes', async () => {
    const close = layout[1]!.columns.find((c) => c.name === 'close')!;
    const at = close.offsetBytes + 70_000 + 6; // block 1, a high mantissa byte of a value
    await withCorruption(
      1,
      (b) => {
        b[at] = b[at]! ^ 0x20;
      },
      async () => {
        const got = await answers(true);
        for (const e of [got.replay, got.export]) {
          expect(e).toBeInstanceOf(Error);
          const err = e as Error & {
            code?: string;
            field?: string;
            blockIndex?: number;
            startBytes?: number;
          };
          expect(err.code).toBe('MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH');
          expect(err.field).toBe('close');
          expect(err.blockIndex).toBe(1);
          expect(err.startBytes).toBe(close.offsetBytes + 65_536);
          expect(err.message).toContain(paths[1]!);
          expect(err.message).toContain(
            `bytes ${close.offsetBytes + 65_536}..${close.offsetBytes + 131_072}`,
          );
        }
        const panel = got.panel as Error & { code?: string; cause?: { code?: string } };
        expect(panel.code).toBe('MMTAPE_WF_PANEL_BUILD_FAILED');
        expect(panel.cause?.code).toBe('MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH');
        const unverified = await answers(false);
        expect(typeof unverified.replay).toBe('string');
        expect(unverified.replay).not.toBe(clean.replay);
        expect(unverified.panel).not.toBe(clean.panel);
      },
    );
  });
});

describe('mmtape verify and --no-verify', () => {
  it('verify lists every bad block (not only the first) and exits 2; a clean dataset exits 0', async () => {
    const ok = await mmtape('verify', ds, '--json');
    expect(ok.result).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'dataset', ok: true, files: 4, problems: [] });
    const ts0 = layout[0]!.columns.find((c) => c.name === 'ts')!;
    const close2 = layout[2]!.columns.find((c) => c.name === 'close')!;
    const originals = [0, 2].map((k) => readFileSync(paths[k]!));
    const a = Buffer.from(originals[0]!);
    flip(a, ts0.offsetBytes + 10, 0x01); // ts block 0
    flip(a, ts0.offsetBytes + 150_000, 0x01); // ts block 2
    const c = Buffer.from(originals[1]!);
    flip(c, close2.offsetBytes + 65_536 + 3, 0x80); // close block 1
    writeFileSync(paths[0]!, a);
    writeFileSync(paths[2]!, c);
    try {
      const bad = await mmtape('verify', ds, '--json');
      expect(bad.result).toBe(2);
      const report = JSON.parse(bad.stdout);
      expect(report.ok).toBe(false);
      expect(
        report.problems.map((p: { symbol: string; column: string; blockIndex: number }) => [
          p.symbol,
          p.column,
          p.blockIndex,
        ]),
      ).toEqual([
        ['AAA', 'ts', 0],
        ['AAA', 'ts', 2],
        ['CCC', 'close', 1],
      ]);
      expect(report.problems[2]).toMatchObject({
        path: paths[2],
        code: 'MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH',
        startBytes: close2.offsetBytes + 65_536,
        endBytes: close2.offsetBytes + 131_072,
      });
      expect(bad.stderr).toMatch(/verify: 3 problems in .* \[MMTAPE_VERIFY_FAILED\]/);
      const human = await mmtape('verify', ds);
      expect(human.result).toBe(2);
      expect(human.stdout.match(/^BAD /gm)).toHaveLength(3);

      // replay: exit 2 verified; --no-verify and config `verify: false` read the flipped data (exit 0).
      const verified = await mmtape('replay', ds, '--json');
      expect(verified.result).toBe(2);
      expect(verified.stderr).toContain('MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH');
      const unverified = await mmtape('replay', ds, '--json', '--no-verify');
      expect(unverified.result).toBe(0);
      const config = join(tmp.dir, 'noverify.json');
      writeFileSync(config, JSON.stringify({ verify: false }));
      const viaConfig = await mmtape('--config', config, 'replay', ds, '--json');
      expect(viaConfig.result).toBe(0);
      expect(JSON.parse(viaConfig.stdout).columnSum).toBe(JSON.parse(unverified.stdout).columnSum);
      const flagWins = await mmtape('--config', config, 'replay', ds, '--json', '--verify');
      expect(flagWins.result).toBe(2);
      for (const cmd of [
        ['export', ds, '--out', join(tmp.dir, 'x.csv'), '--overwrite'],
        ['pack', ds, '--out', join(tmp.dir, 'packed-bad')],
        ['walk-forward', ds, '--report', join(tmp.dir, 'wf-bad'), '--train-bars', '100', '--test-bars', '50'],
      ]) {
        const r = await mmtape(...cmd);
        expect(r.result, cmd[0]).toBe(2);
        expect(r.stderr, cmd[0]).toContain('MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH');
      }
      const exported = await mmtape('export', ds, '--out', join(tmp.dir, 'y.csv'), '--no-verify');
      expect(exported.result).toBe(0);
    } finally {
      writeFileSync(paths[0]!, originals[0]!);
      writeFileSync(paths[2]!, originals[1]!);
    }
    const clean2 = await mmtape('replay', ds, '--json');
    expect(clean2.result).toBe(0);
  }, 120_000);

  it('verify <pack> decodes every frame and lists every bad chunk, exit 2', async () => {
    const packed = join(tmp.dir, 'packed');
    const p = await mmtape('pack', ds, '--out', packed, '--chunk-rows', '5000', '--quiet');
    expect(p.result).toBe(0);
    const ok = await mmtape('verify', packed, '--json');
    expect(ok.result).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'pack', ok: true, files: 5, chunks: 16 }); // 4 column files + manifest.json;
    const index = JSON.parse(readFileSync(join(packed, 'pack.json'), 'utf8'));
    const entry = index.files.find((f: { symbol: string }) => f.symbol === 'BBB');
    const tsColumn = entry.columns.find((c: { name: string }) => c.name === 'ts');
    const file = join(packed, entry.packedPath);
    const bytes = readFileSync(file);
    for (const chunk of [1, 3]) {
      const ref = tsColumn.chunks[chunk];
      flip(bytes, ref.offsetBytes + ref.lengthBytes - 2, 0xff);
    }
    writeFileSync(file, bytes);
    const bad = await mmtape('verify', packed, '--json');
    expect(bad.result).toBe(2);
    const report = JSON.parse(bad.stdout);
    expect(report.problems.map((x: { path: string; chunk: number }) => [x.path, x.chunk])).toEqual([
      [entry.path, 1],
      [entry.path, 3],
    ]);
    const neither = await mmtape('verify', tmp.dir);
    expect(neither.result).toBe(1);
  }, 120_000);
});
