/**
 * `mmtape replay --output arrow|csv|ndjson`: the events on stdout against an oracle (every row of the
 * dataset sorted by (timestamp, symbol id)), CSV back through ingest, filters, pacing and an early-closing
 * reader. Spawns `node apps/cli/dist/bin.js`: run `pnpm build` first.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset } from '@mmtape/columnar-format';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { quietCtx, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tmp = tempDir('replay-output');
const dataset = join(tmp.dir, 'sp500-30');
const VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'];

interface OracleRow {
  symbol: string;
  symbolId: number;
  ts: bigint;
  values: Record<string, number>;
}

let oracle: OracleRow[] = [];

beforeAll(async () => {
  await runIngest([demoDataDir()], { out: dataset }, quietCtx);
  const ds = Dataset.open(dataset);
  try {
    ds.symbols.forEach((symbol, symbolId) => {
      const file = ds.open(symbol);
      const ts = file.timestampsNs();
      const columns = Object.fromEntries(VALUE_COLUMNS.map((c) => [c, file.f64(c)]));
      for (let row = 0; row < ts.length; row++) {
        oracle.push({
          symbol,
          symbolId,
          ts: ts[row]!,
          values: Object.fromEntries(VALUE_COLUMNS.map((c) => [c, columns[c]![row]!])),
        });
      }
    });
  } finally {
    ds.close();
  }
  oracle = oracle.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.symbolId - b.symbolId));
});
afterAll(() => tmp.cleanup());

/** Runs the built CLI; with `closeAfterBytes`, destroys its stdout after that many bytes (`| head`). */
function mmtape(
  args: string[],
  closeAfterBytes?: number,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let received = 0;
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      out.push(data);
      received += data.byteLength;
      if (closeAfterBytes !== undefined && received >= closeAfterBytes) child.stdout.destroy();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

function expectSameTimestamps(actual: readonly bigint[], expected: readonly OracleRow[]): void {
  expect(actual.length).toBe(expected.length);
  const firstMismatch = actual.findIndex((ts, i) => ts !== expected[i]!.ts);
  expect(firstMismatch).toBe(-1);
}

describe('mmtape replay --output arrow', () => {
  it('streams every event in (timestamp, symbol id) order, readable by apache-arrow', async () => {
    const r = await mmtape(['replay', dataset, '--output', 'arrow']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/replayed 37,486 events in [\d,]+ batches from 30 symbols to stdout as arrow/);
    const table = tableFromIPC(r.stdout);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['symbol', 'timestamp', ...VALUE_COLUMNS]);
    expect(table.numRows).toBe(oracle.length);
    const symbols = table.getChild('symbol')!.toArray() as string[];
    const ts = table.getChild('timestamp')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    const close = table.getChild('close')!.toArray() as Float64Array;
    expectSameTimestamps(ts, oracle);
    const mismatches = oracle.filter(
      (row, i) => symbols[i] !== row.symbol || !Object.is(close[i], row.values.close),
    );
    expect(mismatches).toEqual([]);
  });

  it('honours --symbols, --start, --end and --columns', async () => {
    const r = await mmtape([
      'replay',
      dataset,
      '--output',
      'arrow',
      '--symbols',
      'PEP,KO,XOM',
      '--start',
      '2015-03-02',
      '--end',
      '2016-01-01T00:00:00Z',
      '--columns',
      'close,volume',
    ]);
    expect(r.code).toBe(0);
    const start = 1_425_254_400_000_000_000n; // 2015-03-02T00:00:00Z
    const end = 1_451_606_400_000_000_000n; // 2016-01-01T00:00:00Z
    const expected = oracle.filter(
      (row) => ['KO', 'PEP', 'XOM'].includes(row.symbol) && row.ts >= start && row.ts < end,
    );
    expect(expected.length).toBeGreaterThan(600);
    const table = tableFromIPC(r.stdout);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['symbol', 'timestamp', 'close', 'volume']);
    const symbols = table.getChild('symbol')!.toArray() as string[];
    const ts = table.getChild('timestamp')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    const volume = table.getChild('volume')!.toArray() as Float64Array;
    expectSameTimestamps(ts, expected);
    expect(symbols).toEqual(expected.map((row) => row.symbol));
    expect([...volume]).toEqual(expected.map((row) => row.values.volume));
  });
});

describe('mmtape replay --output csv', () => {
  it('writes CSV that ingest reads back to the same dataset, column by column', async () => {
    const r = await mmtape(['replay', dataset, '--output', 'csv']);
    expect(r.code).toBe(0);
    const text = r.stdout.toString('utf8');
    expect(text.slice(0, text.indexOf('\n'))).toBe(`symbol,timestamp,${VALUE_COLUMNS.join(',')}`);
    const csv = join(tmp.dir, 'replayed.csv');
    writeFileSync(csv, text);
    const back = join(tmp.dir, 'replayed-back');
    await runIngest([csv], { out: back }, quietCtx);
    const a = Dataset.open(dataset);
    const b = Dataset.open(back);
    try {
      expect(b.symbols).toEqual(a.symbols);
      expect(b.manifest.schema).toEqual(a.manifest.schema);
      for (const symbol of a.symbols) {
        const fa = a.open(symbol);
        const fb = b.open(symbol);
        expect(fb.timestampsNs()).toEqual(fa.timestampsNs());
        for (const column of VALUE_COLUMNS) expect(fb.f64(column)).toEqual(fa.f64(column));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('writes the same bytes when paced (--speed) as unpaced', async () => {
    const args = ['replay', dataset, '--output', 'csv', '--symbols', 'KO', '--end', '2013-03-01'];
    const unpaced = await mmtape(args);
    // 2·10^7 × real time: a day of data in ~4 ms, so every batch after the first waits (19 days in ~80 ms).
    const paced = await mmtape([...args, '--speed', '2e7']);
    expect(paced.code).toBe(0);
    expect(paced.stdout.toString()).toBe(unpaced.stdout.toString());
    expect(unpaced.stdout.toString().trim().split('\n')).toHaveLength(1 + 14);
  });
});

describe('mmtape replay --output ndjson', () => {
  it('writes one JSON object per event with ns timestamps, equal to the oracle', async () => {
    const r = await mmtape(['replay', dataset, '--output', 'ndjson', '--columns', 'close']);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString('utf8').trimEnd().split('\n');
    const rows = lines.map(
      (line) => JSON.parse(line) as { symbol: string; timestamp: string; close: number },
    );
    expectSameTimestamps(
      rows.map((row) => BigInt(row.timestamp)),
      oracle,
    );
    expect(rows.map((row) => `${row.symbol} ${row.close}`)).toEqual(
      oracle.map((row) => `${row.symbol} ${row.values.close}`),
    );
    expect(Object.keys(rows[0]!)).toEqual(['symbol', 'timestamp', 'close']);
  });
});

describe('mmtape replay --output: reader and usage', () => {
  it.each(['arrow', 'csv', 'ndjson'])(
    '%s: a reader that closes early (| head) ends the replay with exit 0 and no error',
    async (format) => {
      const r = await mmtape(['replay', dataset, '--output', format], 100);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/error|EPIPE|mmtape:|\n\s+at /i);
      expect(r.stdout.byteLength).toBeGreaterThanOrEqual(100);
    },
  );

  it('--json, an unknown column or format, --speed without --output: usage errors (exit 1)', async () => {
    const json = await mmtape(['--json', 'replay', dataset, '--output', 'csv']);
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/--json does not combine with --output/);
    const column = await mmtape(['replay', dataset, '--output', 'csv', '--columns', 'close,nope']);
    expect(column.code).toBe(1);
    expect(column.stderr).toMatch(/column "nope" not in dataset/);
    expect(column.stdout.byteLength).toBe(0);
    const format = await mmtape(['replay', dataset, '--output', 'xml']);
    expect(format.code).toBe(1);
    const speed = await mmtape(['replay', dataset, '--speed', '2']);
    expect(speed.code).toBe(1);
    expect(speed.stderr).toMatch(/--columns and --speed apply to --output/);
  });
});
