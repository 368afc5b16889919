import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '@mmtape/columnar-format';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';
import { captureOutput, tempDir } from './helpers.js';

const tmp = tempDir('gc');
afterAll(() => tmp.cleanup());
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

describe('mmtape gc', () => {
  it('keeps a generation a reader holds, removes it after the reader closes; --dry-run removes nothing', async () => {
    const csv = join(tmp.dir, 'csv');
    mkdirSync(csv);
    writeFileSync(join(csv, 'A.csv'), 'date,close\n2020-01-01,1\n2020-01-02,2\n');
    const ds = join(tmp.dir, 'ds');
    expect((await mmtape('-q', 'ingest', csv, '--out', ds)).result).toBe(0);
    const reader = Dataset.open(ds);
    const old = reader.generation;
    expect((await mmtape('-q', 'ingest', csv, '--out', ds, '--overwrite')).result).toBe(0);
    const kept = await mmtape('--json', 'gc', ds);
    expect(kept.result, kept.stderr).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({
      removedGenerations: [],
      keptGenerations: [{ generation: old, liveLeases: 1 }],
      dryRun: false,
    });
    reader.close();
    const dry = await mmtape('--json', 'gc', ds, '--dry-run');
    expect(JSON.parse(dry.stdout)).toMatchObject({ removedGenerations: [old], dryRun: true });
    expect(readdirSync(ds)).toContain(old);
    const removed = await mmtape('gc', ds);
    expect(removed.result).toBe(0);
    expect(removed.stdout).toContain(`removed 1 superseded generation(s): ${old}`);
    expect(readdirSync(ds)).not.toContain(old);
    expect(readdirSync(ds).filter((n) => n.startsWith('gen-'))).toHaveLength(1);
  });

  it('refuses a folder that is not a dataset (exit 1) and removes nothing', async () => {
    const foreign = join(tmp.dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'x');
    const r = await mmtape('gc', foreign);
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('not a dataset folder');
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    expect((await mmtape('gc', join(tmp.dir, 'missing'))).result).toBe(1);
  });
});
