import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mmapStatus } from '@mmtape/mmap-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetWriter } from '../src/index.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-access-');
afterAll(cleanup);

/** Read-pattern flags (`rr` = MADV_RANDOM, `sr` = MADV_SEQUENTIAL) of the mappings of `path` (/proc/self/smaps). */
function readFlags(path: string): string[][] {
  const out: string[][] = [];
  let inFile = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${path}`);
    else if (inFile && line.startsWith('VmFlags:'))
      out.push(line.split(/\s+/).filter((flag) => flag === 'rr' || flag === 'sr'));
  }
  return out;
}

describe('Dataset.open accessPattern', () => {
  it('maps column files and segment files with the given pattern (smaps VmFlags)', () => {
    if (!existsSync('/proc/self/smaps') || mmapStatus().backend !== 'mmap') {
      return expect(mmapStatus().backend === 'mmap' && existsSync('/proc/self/smaps')).toBe(false);
    }
    const ts = BigInt64Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i));
    const close = Float64Array.from({ length: 1000 }, (_, i) => 100 + i);
    for (const [name, segmentBytes] of [
      ['files', undefined],
      ['segments', 1 << 20],
    ] as const) {
      const out = join(dir, name);
      const writer = DatasetWriter.create(out, { durable: false, segmentBytes });
      for (const symbol of ['AAA', 'BBB']) {
        writer.writeSymbol(symbol, [
          { name: 'ts', dtype: 'i64', data: ts },
          { name: 'close', dtype: 'f64', data: close },
        ]);
      }
      writer.finish();
      const random = Dataset.open(out, { accessPattern: 'random' });
      const plain = Dataset.open(out);
      for (const symbol of ['AAA', 'BBB']) {
        expect(random.open(symbol).f64('close')[999]).toBe(1099);
        const path = random.manifest.symbols.find((s) => s.symbol === symbol)!.file;
        const flags = readFlags(join(random.generationDir, path));
        // The plain dataset maps the same file without a read flag, the random one with `rr`.
        plain.open(symbol);
        const after = readFlags(join(random.generationDir, path));
        expect(flags.flat()).toContain('rr');
        expect(after.filter((f) => f.length === 0).length).toBeGreaterThanOrEqual(1);
      }
      random.close();
      plain.close();
    }
  });
});
