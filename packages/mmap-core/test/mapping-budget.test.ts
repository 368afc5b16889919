import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mmapStatus } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-map-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const native = mmapStatus().backend === 'mmap';
const linux = existsSync('/proc/sys/vm/max_map_count');

/**
 * Runs `body` in a fresh Node process (`--expose-gc`) with `MappedFile`, `mmapStatus` and `path` (a
 * 4 KiB file) in scope; returns its exit status, stdout lines parsed as JSON, and stderr.
 */
function child(body: string): {
  status: number | null;
  signal: string | null;
  out: unknown[];
  stderr: string;
} {
  const path = join(dir, 'page.bin');
  writeFileSync(path, Buffer.alloc(4096, 7));
  const script = `
    import { MappedFile, mmapStatus } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
    const path = ${JSON.stringify(path)};
    const say = (value) => console.log(JSON.stringify(value));
    ${body}`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const out = r.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as unknown);
  return { status: r.status, signal: r.signal, out, stderr: r.stderr };
}

describe('mapping budget (half of vm.max_map_count)', () => {
  it('reports the live mappings and the budget, counting a closed file until it is collected', () => {
    const status = mmapStatus();
    if (linux) {
      const max = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
      expect(status.mappingBudget).toBe(Math.floor(max / 2));
    } else expect(status.mappingBudget).toBe(32_765);
    if (!native) return expect(status.backend).toBe('fallback');
    const r = child(`
      const before = mmapStatus().liveMappings;
      let files = Array.from({ length: 5 }, () => MappedFile.open(path));
      say({ opened: mmapStatus().liveMappings - before, backends: files.map((f) => f.backend) });
      for (const f of files) f.close();
      say({ closed: mmapStatus().liveMappings - before });
      files = undefined;
      for (let i = 0; i < 5 && mmapStatus().liveMappings > before; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      say({ collected: mmapStatus().liveMappings - before });`);
    expect(r.stderr).toBe('');
    expect(r.out).toEqual([
      { opened: 5, backends: ['mmap', 'mmap', 'mmap', 'mmap', 'mmap'] },
      { closed: 5 },
      { collected: 0 },
    ]);
  });

  it('reads files into memory past the budget instead of letting V8 run out of mappings and abort', () => {
    if (!native || !linux) return expect(native && linux).toBe(false);
    // Opens one file vm.max_map_count + 200 times without a turn of the event loop (no mapping can be
    // released), then grows the heap by ~200 MB (V8 maps new pages). Without the budget this process
    // takes every mapping vm.max_map_count allows and V8 aborts ("Committing semi space failed", SIGABRT).
    const max = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
    const r = child(`
      const { mappingBudget, liveMappings: before } = mmapStatus();
      const files = [];
      for (let i = 0; i < ${max} + 200; i++) files.push(MappedFile.open(path));
      const mapped = files.filter((f) => f.backend === 'mmap').length;
      let sum = 0;
      for (const f of files) sum += f.buffer[4095];
      const heap = [];
      for (let i = 0; i < 200; i++) heap.push(new Array(125_000).fill(i + 0.5));
      const status = mmapStatus();
      say({ before, mapped, fellBack: files.length - mapped, budget: mappingBudget, sum, heapArrays: heap.length, live: status.liveMappings, reason: status.reason });`);
    expect(r.signal).toBe(null);
    expect(r.status).toBe(0);
    const [result] = r.out as [Record<string, unknown>];
    const budget = result.budget as number;
    expect((result.before as number) + (result.mapped as number)).toBe(budget);
    expect(result.live).toBe(budget);
    expect(result.fellBack).toBe(max + 200 - budget + (result.before as number));
    expect(result.sum).toBe(7 * (max + 200));
    expect(result.heapArrays).toBe(200);
    expect(result.reason).toMatch(
      new RegExp(`mappings are alive, the budget is ${budget} \\(half of vm.max_map_count`),
    );
    // One warning per process, naming the budget.
    expect(r.stderr.match(/MMTAPE_MMAP_FALLBACK|reads files into memory/g)?.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(`the budget is ${budget}`);
  }, 60_000);
});
