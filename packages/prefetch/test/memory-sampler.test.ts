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
