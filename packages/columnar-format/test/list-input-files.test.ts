import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidIngestOptionsError } from '../src/index.js';
import { listInputFiles } from '../src/ingest/list-input-files.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mmtape-list-inputs-'));
  const write = (rel: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), 'date,close\n');
  };
  write('data/b.csv');
  write('data/A.csv.gz');
  write('data/sub/2018/c.parquet');
  write('data/sub/notes.txt');
  write('data/.hidden/d.csv');
  write('data/.e.csv');
  write('other/z.CSV');
  mkdirSync(join(root, 'empty', 'nested'), { recursive: true });
  writeFileSync(join(root, 'empty', 'nested', 'readme.md'), '');
  // a directory link back to the root must not be followed (no cycle), a file link is taken
  symlinkSync(join(root, 'data'), join(root, 'data', 'sub', 'loop'));
  symlinkSync(join(root, 'other', 'z.CSV'), join(root, 'data', 'linked.csv'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('listInputFiles', () => {
  it('searches folders recursively, sorted by path, skipping dot entries and directory links', () => {
    expect(listInputFiles([join(root, 'data')])).toEqual([
      join(root, 'data', 'A.csv.gz'),
      join(root, 'data', 'b.csv'),
      join(root, 'data', 'linked.csv'),
      join(root, 'data', 'sub', '2018', 'c.parquet'),
    ]);
  });

  it('takes files as given and drops repeats, keeping the first occurrence', () => {
    const z = join(root, 'other', 'z.CSV');
    expect(listInputFiles([z, join(root, 'other'), join(root, 'data', 'b.csv'), z])).toEqual([
      z,
      join(root, 'data', 'b.csv'),
    ]);
  });

  it('names the inputs when nothing is found, and a missing input', () => {
    expect(() => listInputFiles([join(root, 'empty')])).toThrow(InvalidIngestOptionsError);
    expect(() => listInputFiles([join(root, 'empty')])).toThrow(/empty \(folders searched recursively\)/);
    expect(() => listInputFiles([join(root, 'missing')])).toThrow(/missing does not exist/);
  });
});
