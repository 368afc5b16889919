import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type IngestProgress, ingest } from '../src/ingest/index.js';
import { mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-ingest-bytes-');
afterAll(cleanup);

/** One seeded CSV of about 3.5 MiB (several 1 MiB read chunks). */
function bigCsv(): string {
  const rand = mulberry32(7);
  const lines = ['timestamp,symbol,close'];
  const t0 = 1_514_903_400_000;
  for (let i = 0; i < 100_000; i++) {
    lines.push(`${new Date(t0 + i * 60_000).toISOString()},S${i % 3},${(10 + rand() * 90).toFixed(6)}`);
  }
  const path = join(dir, 'big.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('ingest byte progress', () => {
  it('one large file reports its bytes as they are read, before the file is done', async () => {
    const path = bigCsv();
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(3 << 20);
    for (const workers of [1, 2] as const) {
      const progress: IngestProgress[] = [];
      await ingest({
        inputs: [path],
        outDir: join(dir, `out${workers}`),
        workers,
        durable: false,
        ...(workers === 2 ? { splitBytes: 1 << 20 } : {}),
        onProgress: (p) => progress.push({ ...p }),
      });
      expect(progress.every((p) => p.bytesTotal === size)).toBe(true);
      const before = progress.filter((p) => p.filesDone === 0).map((p) => p.bytesRead);
      expect(before.length).toBeGreaterThanOrEqual(2);
      expect(before.some((b) => b > 0 && b < size)).toBe(true);
      for (let i = 1; i < before.length; i++) expect(before[i]!).toBeGreaterThanOrEqual(before[i - 1]!);
      expect(progress.at(-1)).toMatchObject({ filesDone: 1, bytesRead: size, rowsRead: 100_000 });
    }
  });
});
