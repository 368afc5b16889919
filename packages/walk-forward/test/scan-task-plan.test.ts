/**
 * The task plan of a distributed walk-forward: deterministic content-addressed ids, shards covering each
 * window's pair triangle exactly once, and the plan executed in-process giving runWalkForward's report.
 */
import { describe, expect, it } from 'vitest';
import {
  inProcessTaskRunner,
  planScanTasks,
  runScanTask,
  runWalkForwardTasks,
  SCAN_TASK_CODE_VERSION,
} from '../src/cluster/index.js';
import {
  type PricePanel,
  panelDigest,
  planWalkForward,
  runWalkForward,
  scanPairs,
  type WalkForwardConfig,
  windowTrainingSeries,
} from '../src/index.js';
import { ar1, dailyTimestampsNs, randomWalk } from './helpers.js';

const BARS = 252 + 63 * 3;

/** 14 symbols: 4 cointegrated pairs (y = a + b·x + AR(1)) and 6 independent walks, one with a gap; seeded. */
function panel14(seed: number): PricePanel {
  const closes: Float64Array[] = [];
  const symbols: string[] = [];
  for (let k = 0; k < 14; k++) {
    if (k % 3 === 1) {
      const x = closes[k - 1]!;
      const u = ar1(BARS, 0.6, 0.5, seed + 100 + k);
      closes.push(x.map((v, t) => 3 + 0.8 * v + u[t]!));
    } else {
      closes.push(randomWalk(BARS, 40 + 3 * k, 1, seed + k));
    }
    symbols.push(`Z${String.fromCharCode(65 + ((k * 5) % 14))}`);
  }
  closes[13]!.fill(Number.NaN, 0, 300); // not eligible in the first windows
  return { symbols, timestampsNs: dailyTimestampsNs(BARS), closes };
}

const CONFIGS: [string, Partial<WalkForwardConfig>][] = [
  ['default', {}],
  ['all pairs, autolag, loose p', { prefilter: false, adfAutolag: 'aic', maxPValue: 0.3, topK: 4 }],
  ['Benjamini-Hochberg', { prefilter: false, fdrQ: 0.2, topK: 3 }],
  ['Johansen, expanding', { method: 'johansen', mode: 'expanding', maxPValue: 0.1 }],
];

describe('planScanTasks', () => {
  const panel = panel14(7);
  const plan = planWalkForward(panel, { prefilter: false });

  it('cuts each window into shards covering rows 0..S once, with content-addressed ids', () => {
    const tasks = planScanTasks(panel, plan, { pairsPerTask: 10 });
    expect(tasks.codeVersion).toBe(SCAN_TASK_CODE_VERSION);
    expect(tasks.datasetDigest).toBe(panelDigest(panel));
    expect(tasks.windows).toHaveLength(plan.windows.length);
    for (const win of tasks.windows) {
      const shards = tasks.tasks.filter((t) => t.window === win.window);
      expect(shards.map((t) => t.id)).toEqual(win.taskIds);
      expect(shards.length).toBeGreaterThan(3);
      expect(shards[0]!.iStart).toBe(0);
      expect(shards.at(-1)!.iEnd).toBe(win.symbolsEligible);
      for (let k = 1; k < shards.length; k++) expect(shards[k]!.iStart).toBe(shards[k - 1]!.iEnd);
    }
    const ids = tasks.tasks.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic and changes its ids with the data, the config or the shard size', () => {
    const a = planScanTasks(panel, plan, { pairsPerTask: 10 });
    expect(
      planScanTasks(panel14(7), planWalkForward(panel14(7), { prefilter: false }), { pairsPerTask: 10 }),
    ).toEqual(a);
    const other = panel14(8);
    const b = planScanTasks(other, planWalkForward(other, { prefilter: false }), { pairsPerTask: 10 });
    expect(b.tasks[0]!.id).not.toBe(a.tasks[0]!.id);
    const c = planScanTasks(panel, planWalkForward(panel, { prefilter: false, maxPValue: 0.1 }), {
      pairsPerTask: 10,
    });
    expect(c.tasks[0]!.id).not.toBe(a.tasks[0]!.id);
    const d = planScanTasks(panel, plan, { pairsPerTask: 30 });
    expect(d.tasks.map((t) => t.id)).not.toEqual(a.tasks.map((t) => t.id));
  });

  it('rejects pairsPerTask below 1', () => {
    expect(() => planScanTasks(panel, plan, { pairsPerTask: 0 })).toThrow(/pairsPerTask/);
  });
});

describe('runWalkForwardTasks in-process', () => {
  for (const [name, config] of CONFIGS) {
    it(`${name}: the same report as runWalkForward, byte for byte, for any shard size`, async () => {
      const panel = panel14(11);
      const reference = JSON.stringify(await runWalkForward(panel, config));
      for (const pairsPerTask of [1, 9, 1000]) {
        const report = await runWalkForwardTasks(panel, config, inProcessTaskRunner(panel), { pairsPerTask });
        expect(JSON.stringify(report)).toBe(reference);
      }
    });
  }

  it('task results keep only the best topK candidates (with fdrQ, every candidate p-value), and merge exactly', async () => {
    const panel = panel14(11);
    for (const config of [
      { prefilter: false, maxPValue: 0.5, topK: 2 },
      { prefilter: false, fdrQ: 0.5, topK: 2 },
    ] satisfies Partial<WalkForwardConfig>[]) {
      const plan = planWalkForward(panel, config);
      const tasks = planScanTasks(panel, plan, { pairsPerTask: 1000 });
      const results = tasks.tasks.map((t) => runScanTask(t, panel.closes));
      const untrimmed = tasks.tasks.map((t) =>
        scanPairs(
          t.names,
          windowTrainingSeries(panel, plan.scans[t.window]!),
          0,
          t.trainEnd - t.trainStart,
          t.iStart,
          t.iEnd,
          t.config,
          t.sectorIds,
        ),
      );
      expect(untrimmed.some((r) => r.candidates.length > 2)).toBe(true);
      for (const [k, r] of results.entries()) {
        expect(r.candidates.length).toBeLessThanOrEqual(2);
        if (config.fdrQ && untrimmed[k]!.candidates.length > 2)
          expect(r.candidatePValues).toHaveLength(untrimmed[k]!.candidates.length);
      }
      const reference = JSON.stringify(await runWalkForward(panel, config));
      expect(
        JSON.stringify(
          await runWalkForwardTasks(panel, config, inProcessTaskRunner(panel), { pairsPerTask: 1000 }),
        ),
      ).toBe(reference);
    }
  });

  it('with a selection cache: same hits, misses and report as runWalkForward', async () => {
    const panel = panel14(3);
    const store = () => {
      const m = new Map<string, unknown>();
      return {
        getJson: async <T>(k: string) => m.get(k) as T | undefined,
        putJson: async (k: string, v: unknown) => void m.set(k, structuredClone(v)),
      };
    };
    const c1 = store();
    const c2 = store();
    const first = [
      await runWalkForward(panel, {}, { cache: c1 }),
      await runWalkForward(panel, {}, { cache: c1 }),
    ];
    let tasksSecond = -1;
    const runner = inProcessTaskRunner(panel);
    const viaTasks = [
      await runWalkForwardTasks(panel, {}, runner, { cache: c2 }),
      await runWalkForwardTasks(panel, {}, runner, {
        cache: c2,
        onPlan: (p) => {
          tasksSecond = p.tasks.length;
        },
      }),
    ];
    expect(tasksSecond).toBe(0);
    expect(viaTasks[1]!.cache.hits).toBe(viaTasks[1]!.windows.length);
    expect(JSON.stringify(viaTasks)).toBe(JSON.stringify(first));
  });
});
