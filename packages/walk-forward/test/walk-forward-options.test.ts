import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hurstExponent,
  InvalidConfigError,
  loadWalkForwardConfig,
  type PairStatsCache,
  type PricePanel,
  parseSectorsCsv,
  parseWalkForwardConfig,
  readWalkForwardConfigFile,
  runWalkForward,
  type WindowReport,
} from '../src/index.js';
import { ar1, dailyTimestampsNs, mulberry32, randomWalk } from './helpers.js';

const BARS = 252 + 63 * 3;

function panel6(seed: number): PricePanel {
  const b = randomWalk(BARS, 100, 1, seed);
  const u = ar1(BARS, 0.8, 0.8, seed + 100);
  const d = randomWalk(BARS, 70, 1, seed + 5);
  const v = ar1(BARS, 0.6, 0.5, seed + 200);
  return {
    symbols: ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'],
    timestampsNs: dailyTimestampsNs(BARS),
    closes: [
      b.map((x, t) => 10 + 1.5 * x + u[t]!),
      b,
      randomWalk(BARS, 80, 1, seed + 300),
      d,
      d.map((x, t) => 3 + 0.8 * x + v[t]!),
      randomWalk(BARS, 40, 1, seed + 400),
    ],
  };
}

class MemoryCache implements PairStatsCache {
  readonly map = new Map<string, string>();
  async getJson<T>(key: string): Promise<T | undefined> {
    const v = this.map.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async putJson(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.stringify(value));
  }
}

/** Everything of a window decided on training data: counts, chosen pairs, their z-score parameters. */
function trainingDecisions(w: WindowReport) {
  return {
    symbolsEligible: w.symbolsEligible,
    pairsTested: w.pairsTested,
    pairsPassedCoint: w.pairsPassedCoint,
    pairsPassed: w.pairsPassed,
    selected: w.selected.map((p) => ({
      y: p.y,
      x: p.x,
      hedgeRatio: p.hedgeRatio,
      intercept: p.intercept,
      pValue: p.pValue,
      adfStat: p.adfStat,
      halfLifeBars: p.halfLifeBars,
      spreadMean: p.spreadMean,
      spreadStd: p.spreadStd,
      correlation: p.correlation,
    })),
  };
}

describe('no look-ahead (seeded random edits of test-window values)', () => {
  it('changing any value in a test window changes neither that window’s selection nor its z-score parameters', async () => {
    const config = { prefilter: false, maxPValue: 0.5, topK: 4, adfAutolag: 'aic' as const };
    const panel = panel6(31);
    const base = await runWalkForward(panel, config);
    const rand = mulberry32(2024);
    for (let trial = 0; trial < 12; trial++) {
      const w = Math.floor(rand() * base.windows.length);
      const win = base.windows[w]!;
      const changed: PricePanel = { ...panel, closes: panel.closes.map((c) => c.slice()) };
      const sym = Math.floor(rand() * panel.symbols.length);
      const t = win.testStartIndex + Math.floor(rand() * (win.testEndIndex - win.testStartIndex));
      changed.closes[sym]![t] = changed.closes[sym]![t]! * (0.5 + rand());
      const after = await runWalkForward(changed, config);
      expect(trainingDecisions(after.windows[w]!)).toEqual(trainingDecisions(win));
      for (let k = 0; k < w; k++) expect(after.windows[k]).toEqual(base.windows[k]);
    }
  });
});

describe('cache of per-window pair statistics', () => {
  it('hits on a rerun, misses on a changed parameter or changed training data', async () => {
    const cache = new MemoryCache();
    const panel = panel6(41);
    const first = await runWalkForward(panel, { prefilter: false }, { cache });
    expect(first.cache).toEqual({ hits: 0, misses: 3 });
    const again = await runWalkForward(panel, { prefilter: false }, { cache });
    expect(again.cache).toEqual({ hits: 3, misses: 0 });
    expect(again.windows.map((w) => w.selected)).toEqual(first.windows.map((w) => w.selected));
    const param = await runWalkForward(panel, { prefilter: false, adfAutolag: 'bic' }, { cache });
    expect(param.cache).toEqual({ hits: 0, misses: 3 });
    const changed: PricePanel = { ...panel, closes: panel.closes.map((c) => c.slice()) };
    changed.closes[2]![100] = changed.closes[2]![100]! + 0.01; // inside window 0's (and 1's) training slice
    const data = await runWalkForward(changed, { prefilter: false }, { cache });
    expect(data.windows.map((w) => w.cacheHit)).toEqual([false, false, true]);
  });
});

describe('pair universe and filters', () => {
  it('within-sector tests only same-sector pairs; the sector file format is symbol,sector', async () => {
    const sectors = parseSectorsCsv(
      'symbol,gics_sector\nAAA,Energy\nBBB,Energy\nDDD,Tech\nEEE,Tech\nFFF,Tech\n',
    );
    const r = await runWalkForward(
      panel6(51),
      { prefilter: false, universe: 'within-sector', maxPValue: 1 },
      { sectors },
    );
    // Energy: AAA/BBB (1 pair); Tech: DDD/EEE, DDD/FFF, EEE/FFF (3); CCC has no sector.
    for (const w of r.windows) {
      expect(w.pairsConsidered).toBe(4);
      expect(w.pairsTested).toBe(4);
      for (const p of w.selected) expect(sectors[p.y]).toBe(sectors[p.x]);
    }
    await expect(runWalkForward(panel6(51), { universe: 'within-sector' })).rejects.toBeInstanceOf(
      InvalidConfigError,
    );
  });

  it('reports multiple-testing counts: tested vs passed and the expected false positives', async () => {
    const r = await runWalkForward(panel6(61), { prefilter: false, maxPValue: 0.05 });
    for (const w of r.windows) {
      expect(w.pairsTested).toBe(15);
      expect(w.expectedFalsePositives).toBeCloseTo(0.75, 12);
      expect(w.pairsPassed).toBeLessThanOrEqual(w.pairsPassedCoint);
      expect(typeof w.sortino).toBe('number');
    }
    expect(typeof r.summary.sortino).toBe('number');
  });

  it('Hurst filter: random walk ≈ 0.5, AR(1) spread well below; maxHurst removes pairs', async () => {
    expect(hurstExponent(randomWalk(2000, 100, 1, 3))).toBeGreaterThan(0.4);
    expect(hurstExponent(randomWalk(2000, 100, 1, 3))).toBeLessThan(0.6);
    expect(hurstExponent(ar1(2000, 0.5, 1, 4))).toBeLessThan(0.2);
    const loose = await runWalkForward(panel6(71), {
      prefilter: false,
      maxPValue: 1,
      halfLifeBars: [0, 1e9],
    });
    const strict = await runWalkForward(panel6(71), {
      prefilter: false,
      maxPValue: 1,
      halfLifeBars: [0, 1e9],
      maxHurst: 0.3,
    });
    for (let w = 0; w < loose.windows.length; w++) {
      expect(strict.windows[w]!.pairsPassed).toBeLessThan(loose.windows[w]!.pairsPassed);
      for (const p of strict.windows[w]!.selected) expect(p.hurst).toBeLessThan(0.3);
    }
  });
});

describe('config files (YAML / JSON, zod-validated)', () => {
  it('loads YAML and JSON with defaults; rejects unknown or invalid fields naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmtape-wf-cfg-'));
    try {
      writeFileSync(
        join(dir, 'wf.yaml'),
        'trainBars: 126\ntestBars: 21\nprefilter: false\nadfAutolag: aic\nhalfLifeBars: [2, 60]\n',
      );
      const c = loadWalkForwardConfig(join(dir, 'wf.yaml'));
      expect(c).toMatchObject({
        trainBars: 126,
        testBars: 21,
        stepBars: 21,
        prefilter: false,
        adfAutolag: 'aic',
      });
      expect(c.halfLifeBars).toEqual([2, 60]);
      expect(c.entryZ).toBe(2);
      writeFileSync(join(dir, 'wf.json'), JSON.stringify({ topK: 3 }));
      expect(readWalkForwardConfigFile(join(dir, 'wf.json'))).toEqual({ topK: 3 });
      writeFileSync(join(dir, 'bad.yaml'), 'trainBars: 252\nmaxPValue: 2\n');
      expect(() => loadWalkForwardConfig(join(dir, 'bad.yaml'))).toThrow(/maxPValue/);
      expect(() => parseWalkForwardConfig({ trainbars: 10 })).toThrow(InvalidConfigError);
      expect(() => parseWalkForwardConfig({ exitZ: 3 })).toThrow(/entryZ/);
      expect(() => loadWalkForwardConfig(join(dir, 'missing.yaml'))).toThrow(InvalidConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
