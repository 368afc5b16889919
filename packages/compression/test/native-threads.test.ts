import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { type BarColumns, decodeBackend, encodeBars } from '../src/index.js';
import { bytesOf, mulberry32 } from './helpers.js';

/** Seeded 1-minute-like bars (cents, round-lot volumes), `rows` rows. */
function bars(rows: number, seed: number): Required<BarColumns> {
  const r = mulberry32(seed);
  const cols = [0, 1, 2, 3, 4].map(() => new Float64Array(rows));
  let prev = 10_000 + Math.floor(r() * 5000);
  for (let i = 0; i < rows; i++) {
    const o = prev + Math.floor((r() - 0.5) * 8);
    const c = o + Math.floor((r() - 0.5) * 20);
    (cols[0] as Float64Array)[i] = o / 100;
    (cols[1] as Float64Array)[i] = (Math.max(o, c) + Math.floor(r() * 6)) / 100;
    (cols[2] as Float64Array)[i] = (Math.min(o, c) - Math.floor(r() * 6)) / 100;
    (cols[3] as Float64Array)[i] = c / 100;
    (cols[4] as Float64Array)[i] = Math.floor(r() * 300) * 100;
    prev = c;
  }
  const [open, high, low, close, volume] = cols as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  return { open, high, low, close, volume };
}

describe('native bar decoder in worker threads', () => {
  it('decodes frames concurrently in 2 workers (per-thread state), bit for bit', async () => {
    // The workers import the built package (as an application would); the native module keeps its
    // scratch per Node environment, so concurrent decodes must not corrupt each other.
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'run `pnpm build` first: the workers import the built package').toBe(true);
    expect(decodeBackend()).toBe('native');
    const frames = await Promise.all(
      [1, 2, 3, 4].map(async (seed) => (await encodeBars(bars(40_000 + seed * 997, seed))) as Uint8Array),
    );
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.dist).then((C) => {
        const out = [];
        for (let round = 0; round < 30; round++) {
          for (const f of workerData.frames) {
            const d = C.decodeBars(f);
            if (round === 29) out.push([d.open, d.high, d.low, d.close, d.volume].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')));
          }
        }
        parentPort.postMessage({ backend: C.decodeBackend(), out });
      });`;
    const run = () =>
      new Promise<{ backend: string; out: string[][] }>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { dist, frames } });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const results = await Promise.all([run(), run()]);
    for (const res of results) {
      expect(res.backend).toBe('native');
      for (const [i, seed] of [1, 2, 3, 4].entries()) {
        const want = bars(40_000 + seed * 997, seed);
        const got = res.out[i] as string[];
        for (const [j, k] of (['open', 'high', 'low', 'close', 'volume'] as const).entries()) {
          expect(got[j], `seed ${seed} ${k}`).toBe(Buffer.from(bytesOf(want[k])).toString('base64'));
        }
      }
    }
  });
});
