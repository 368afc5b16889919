import { describe, expect, it } from 'vitest';
import { MemorySampler, type ProcessMemory, readProcessMemory } from '../src/index.js';

/** A file whose residency is set by the test. */
class FakeResident {
  residentBytes = 0;
  constructor(readonly totalBytes: number) {}
  residency() {
    return { residentBytes: this.residentBytes, totalBytes: this.totalBytes };
  }
}

describe('MemorySampler', () => {
  it('samples at most once per interval and reports peaks of anon, file and residency', () => {
    let now = 0;
    const memory: ProcessMemory = { rssBytes: 10, peakRssBytes: 10, rssAnonBytes: 4, rssFileBytes: 6 };
    const a = new FakeResident(1000);
    const b = new FakeResident(3000);
    const sampler = new MemorySampler([a, b], {
      intervalMs: 100,
      nowMs: () => now,
      readMemory: () => ({ ...memory }),
    });
    a.residentBytes = 500;
    expect(sampler.sample().residentFraction).toBe(500 / 4000);
    now = 50;
    expect(sampler.maybeSample()).toBeNull();
    now = 100;
    b.residentBytes = 3000;
    Object.assign(memory, { rssFileBytes: 60, rssAnonBytes: 5, peakRssBytes: 70 });
    expect(sampler.maybeSample()).toMatchObject({ elapsedMs: 100, residentBytes: 3500, rssFileBytes: 60 });
    now = 250;
    a.residentBytes = 0;
    b.residentBytes = 0;
    Object.assign(memory, { rssFileBytes: 1, rssAnonBytes: 9 });
    sampler.maybeSample();
    const summary = sampler.summary();
    expect(summary.samples).toHaveLength(3);
    expect(summary).toMatchObject({
      peakRssBytes: 70,
      peakRssAnonBytes: 9,
      peakRssFileBytes: 60,
      peakResidentFraction: 3500 / 4000,
      residentFraction: 0,
    });
  });

  it('measures residency within its time budget and repeats the last figures in between', () => {
    let now = 0;
    let measurements = 0;
    // A residency measurement that takes 10 ms of the sampler's clock (as mincore over a large mapping).
    const slow = {
      residentBytes: 100,
      residency() {
        measurements++;
        now += 10;
        return { residentBytes: this.residentBytes, totalBytes: 1000 };
      },
    };
    const sampler = new MemorySampler([slow], {
      intervalMs: 100,
      residencyBudget: 0.01,
      nowMs: () => now,
      readMemory: readProcessMemory,
    });
    expect(sampler.sample()).toMatchObject({ residentBytes: 100, residencyAgeMs: 0 });
    slow.residentBytes = 700;
    for (now = 110; now < 1000; now += 100) sampler.maybeSample();
    // 10 ms at 1 % of the time: the next measurement not before 1,000 ms after the first.
    expect(measurements).toBe(1);
    expect(sampler.summary().samples.at(-1)).toMatchObject({ residentBytes: 100, residencyAgeMs: 910 });
    now = 1000;
    expect(sampler.sample()).toMatchObject({ residentBytes: 700, residencyAgeMs: 0 });
    expect(measurements).toBe(2);
    expect(sampler.summary().peakResidentFraction).toBe(0.7);
    expect(() => new MemorySampler([], { residencyBudget: 0 })).toThrow(/residencyBudget/);
    expect(() => new MemorySampler([], { residencyBudget: 1.5 })).toThrow(/residencyBudget/);
  });

  it('reports full residency for no files and rejects a bad interval', () => {
    const sampler = new MemorySampler([], { readMemory: readProcessMemory });
    expect(sampler.sample().residentFraction).toBe(1);
    expect(() => new MemorySampler([], { intervalMs: 0 })).toThrow(/intervalMs/);
  });

  it('reads anon and file-backed RSS from /proc/self/status on Linux', () => {
    const m = readProcessMemory();
    expect(m.rssBytes).toBeGreaterThan(0);
    expect(m.peakRssBytes).toBeGreaterThanOrEqual(m.rssBytes);
    if (process.platform === 'linux') {
      expect(m.rssAnonBytes).toBeGreaterThan(0);
      expect(m.rssFileBytes).toBeGreaterThan(0);
    }
  });
});
