import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPackError, openPackedDataset } from '@mmtape/columnar-format/pack';
import { errorKindOf } from '@mmtape/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, DatasetWriter, isMmtapeError, readCurrentGeneration, readManifest } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'mmtape-bounded-json-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function folderWith(name: string, write: (path: string) => void): string {
  const folder = mkdtempSync(join(root, 'f-'));
  write(join(folder, name));
  return folder;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('manifest.json is read bounded', () => {
  it('a manifest symlinked to /dev/zero is a quick data error naming the file, not a hang', () => {
    const dir = mkdtempSync(join(root, 'ds-'));
    const w = DatasetWriter.create(dir, { overwrite: true });
    w.writeSymbol('AAA', [
      { name: 'ts', dtype: 'i64', data: BigInt64Array.from([1n, 2n]) },
      { name: 'close', dtype: 'f64', data: Float64Array.from([1, 2]) },
    ]);
    w.finish();
    const manifest = join(dir, readCurrentGeneration(dir)!, 'manifest.json');
    rmSync(manifest);
    symlinkSync('/dev/zero', manifest);
    const e = thrown(() => Dataset.open(dir));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_INVALID_MANIFEST')).toBe(true);
    expect(errorKindOf(e)).toBe('data');
    expect((e as Error).message).toContain(manifest);
    expect((e as Error).message).toContain('character device');
  });

  it('100,000-deep nesting is a data error, not a stack overflow', () => {
    const dir = folderWith('manifest.json', (p) =>
      writeFileSync(p, `{"format":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    );
    const e = thrown(() => readManifest(dir));
    expect(isMmtapeError(e, 'MMTAPE_DATASET_INVALID_MANIFEST')).toBe(true);
    expect(isMmtapeError((e as Error).cause, 'MMTAPE_FILE_INVALID_JSON')).toBe(true);
  });

  it('a missing manifest is a usage error (the folder the user named is not a dataset)', () => {
    const dir = mkdtempSync(join(root, 'empty-'));
    const e = thrown(() => readManifest(dir));
    expect(isMmtapeError(e, 'MMTAPE_SYSTEM_CALL_FAILED')).toBe(true);
    expect(errorKindOf(e)).toBe('usage');
  });
});

describe('pack.json is read bounded', () => {
  it('a pack.json symlinked to /dev/zero is MMTAPE_PACK_CORRUPT (data)', () => {
    const dir = folderWith('pack.json', (p) => symlinkSync('/dev/zero', p));
    const e = thrown(() => openPackedDataset(dir));
    expect(isPackError(e, 'MMTAPE_PACK_CORRUPT')).toBe(true);
    expect(errorKindOf(e)).toBe('data');
  });

  it('100,000-deep nesting in pack.json is MMTAPE_PACK_CORRUPT', () => {
    const dir = folderWith('pack.json', (p) =>
      writeFileSync(p, `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    );
    const e = thrown(() => openPackedDataset(dir));
    expect(isPackError(e, 'MMTAPE_PACK_CORRUPT')).toBe(true);
    expect((e as Error).message).toContain('nested more than');
  });
});
