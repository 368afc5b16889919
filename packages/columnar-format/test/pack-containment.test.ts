import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import {
  hydrateDataset,
  isPackError,
  openPackedDataset,
  type PackIndex,
  packDataset,
  unsafePathReason,
} from '@mmtape/columnar-format/pack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColumnFile } from '../src/index.js';
import { catchError, currentGenerationDir, mulberry32, tempDir } from './helpers.js';

const tmp = tempDir('mmtape-pack-contain-');
afterAll(() => tmp.cleanup());
const src = join(tmp.dir, 'src');
const packed = join(tmp.dir, 'packed');

/** Every file and folder under `dir` (relative paths) with the bytes of the files, for before/after checks. */
/** {@link tree} of what a reader sees: a dataset's current generation (without leases), else the folder. */
function dataTree(dir: string): Record<string, string> {
  if (!existsSync(join(dir, 'CURRENT'))) return tree(dir);
  const out = tree(currentGenerationDir(dir));
  for (const k of Object.keys(out)) if (k.startsWith('.leases')) delete out[k];
  return out;
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (statSync(p).isDirectory()) {
        out[`${rel}/`] = '';
        walk(p);
      } else out[rel] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  mkdirSync(src);
  const rand = mulberry32(14);
  for (const symbol of ['AAA', 'BBB', 'CCC']) {
    const n = 500;
    const ts = BigInt64Array.from(
      { length: n },
      (_, i) => 1_600_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
    );
    const close = Float64Array.from({ length: n }, () => Math.round((100 + rand() * 10) * 100) / 100);
    writeColumnFile(join(src, `${symbol}.col`), {
      symbol,
      columns: [
        { name: 'ts', dtype: 'i64', data: ts },
        { name: 'close', dtype: 'f64', data: close },
      ],
    });
  }
  // Only `format` matters to the overwrite check; the rest of the manifest is not read by pack/hydrate.
  writeFileSync(join(src, 'manifest.json'), JSON.stringify({ format: 'mmtape-dataset', formatVersion: 1 }));
  mkdirSync(join(src, 'notes'));
  writeFileSync(join(src, 'notes', 'README.txt'), 'kept byte for byte');
  await packDataset(src, packed);
});

/** A copy of the valid pack with pack.json edited by `edit`. */
function evilPack(name: string, edit: (index: PackIndex) => void): string {
  const dir = join(tmp.dir, 'evil', name);
  cpSync(packed, dir, { recursive: true });
  const index = JSON.parse(readFileSync(join(dir, 'pack.json'), 'utf8')) as PackIndex;
  edit(index);
  writeFileSync(join(dir, 'pack.json'), JSON.stringify(index));
  return dir;
}

describe('pack.json paths are contained', () => {
  const sandbox = join(tmp.dir, 'sandbox');
  const cases: [string, (index: PackIndex, sandboxDir: string) => void][] = [
    [
      'file path ../../x.col',
      (i) => {
        i.files[0]!.path = '../../x.col';
      },
    ],
    [
      'absolute file path',
      (i, s) => {
        i.files[0]!.path = join(s, 'abs.col');
      },
    ],
    [
      'others[] path with ..',
      (i) => {
        i.others[0]!.path = '../y.json';
      },
    ],
    [
      'others[] path a/../../z',
      (i) => {
        i.others[0]!.path = 'notes/../../z.json';
      },
    ],
    [
      'packedPath reading outside the pack',
      (i) => {
        i.files[1]!.packedPath = '../../../etc/passwd';
      },
    ],
    [
      'backslash',
      (i) => {
        i.files[0]!.path = '..\\..\\w.col';
      },
    ],
    [
      'NUL byte',
      (i) => {
        i.files[0]!.path = 'a\u0000.col';
      },
    ],
    [
      'empty component',
      (i) => {
        i.files[0]!.path = 'notes//x.col';
      },
    ],
    [
      'segment path with ..',
      (i) => {
        i.segments = [{ path: '../s.mmseg', byteLength: 0, sha256: '' }];
      },
    ],
    [
      'a path listed twice',
      (i) => {
        i.files[1]!.path = i.files[0]!.path;
      },
    ],
    [
      'a file that is also a folder',
      (i) => {
        i.files[0]!.path = 'notes';
      },
    ],
  ];

  it.each(cases)(
    '%s: refused before anything is written, nothing appears outside --out',
    async (name, edit) => {
      rmSync(sandbox, { recursive: true, force: true });
      mkdirSync(join(sandbox, 'a', 'b'), { recursive: true });
      const evil = evilPack(name.replace(/\W+/g, '-'), (i) => edit(i, sandbox));
      const out = join(sandbox, 'a', 'b', 'out');
      const before = tree(sandbox);
      const packBefore = tree(evil);
      const err = await hydrateDataset(evil, out).catch((e: unknown) => e);
      expect(isPackError(err), String(err)).toBe(true);
      const code = (err as { code: string }).code;
      expect(['MMTAPE_PACK_UNSAFE_PATH', 'MMTAPE_PACK_CORRUPT']).toContain(code);
      if (name !== 'segment path with ..') expect(code).toBe('MMTAPE_PACK_UNSAFE_PATH');
      expect(tree(sandbox)).toEqual(before); // no out, no temp folder, no x.col / abs.col / y.json
      expect(tree(evil)).toEqual(packBefore);
      // Replay from the pack refuses it too (the same check runs when pack.json is opened).
      expect((catchError(() => openPackedDataset(evil)) as { code: string }).code).toBe(code);
    },
  );

  it('unsafePathReason accepts plain relative paths only', () => {
    for (const ok of ['a.col', 'notes/README.txt', 'x.mmseg@4096', '.hidden', 'a..b']) {
      expect(unsafePathReason(ok), ok).toBeUndefined();
    }
    for (const bad of ['', '/etc/passwd', '../x', 'a/..', 'a/./b', 'a//b', 'a/', 'a\\b', 'C:x', 'a\0b', 7]) {
      expect(unsafePathReason(bad), String(bad)).toBeTypeOf('string');
    }
  });
});

describe('pack refuses sources it could not restore inside the folder', () => {
  it('a symbolic link or a FIFO in the source is refused and nothing is written', async () => {
    for (const kind of ['symlink', 'fifo'] as const) {
      const dir = join(tmp.dir, `src-${kind}`);
      cpSync(src, dir, { recursive: true });
      if (kind === 'symlink') symlinkSync('/etc/hostname', join(dir, 'notes', 'link.txt'));
      else expect(spawnSync('mkfifo', [join(dir, 'notes', 'pipe')]).status).toBe(0);
      const out = join(tmp.dir, `out-${kind}`);
      const err = await packDataset(dir, out).catch((e: unknown) => e);
      expect(isPackError(err, 'MMTAPE_PACK_UNSAFE_PATH'), String(err)).toBe(true);
      expect((err as Error).message).toContain(kind === 'symlink' ? 'link.txt' : 'pipe');
      expect(readdirSync(tmp.dir).filter((f) => f.includes(`out-${kind}`))).toEqual([]);
    }
  });
});

describe('--overwrite replaces only what the command writes', () => {
  it('a folder that is not an mmtape pack / dataset is refused and left untouched', async () => {
    const precious = join(tmp.dir, 'precious');
    mkdirSync(join(precious, 'sub'), { recursive: true });
    writeFileSync(join(precious, 'thesis.tex'), 'years of work');
    writeFileSync(join(precious, 'sub', 'manifest.json'), '{"format":"mmtape-dataset"}'); // not at the top
    const before = tree(precious);
    const e1 = await packDataset(src, precious, { overwrite: true }).catch((e: unknown) => e);
    expect(isPackError(e1, 'MMTAPE_PACK_OUTPUT_EXISTS')).toBe(true);
    expect((e1 as Error).message).toMatch(
      /is not an mmtape pack \(pack\.json\): no pack\.json, found sub, thesis\.tex/,
    );
    const e2 = await hydrateDataset(packed, precious, { overwrite: true }).catch((e: unknown) => e);
    expect(isPackError(e2, 'MMTAPE_PACK_OUTPUT_EXISTS')).toBe(true);
    expect((e2 as Error).message).toMatch(/is not an mmtape dataset \(no CURRENT/);
    // A dataset is not replaced by a pack, nor a pack by a dataset.
    const e3 = await packDataset(src, join(tmp.dir, 'src'), { overwrite: true }).catch((e: unknown) => e);
    expect(isPackError(e3)).toBe(true);
    const restored = join(tmp.dir, 'restored');
    await hydrateDataset(packed, restored);
    const e4 = await packDataset(src, restored, { overwrite: true }).catch((e: unknown) => e);
    expect((e4 as Error).message).toMatch(/it is an mmtape dataset \(manifest\.json\), not a pack/);
    const e5 = await hydrateDataset(packed, packed, { overwrite: true }).catch((e: unknown) => e);
    expect(isPackError(e5, 'MMTAPE_PACK_INVALID_OPTIONS')).toBe(true);
    expect(tree(precious)).toEqual(before);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folder left
  });

  it('an mmtape pack / dataset is replaced, byte-identical restores, no temp folder left', async () => {
    const out = join(tmp.dir, 'replace-me');
    await hydrateDataset(packed, out);
    const first = readFileSync(join(out, 'CURRENT'), 'utf8');
    await hydrateDataset(packed, out, { overwrite: true });
    expect(readFileSync(join(out, 'CURRENT'), 'utf8')).not.toBe(first); // a new generation is published
    expect(dataTree(out)).toEqual(dataTree(src));
    const pk = join(tmp.dir, 'pack-again');
    await packDataset(src, pk);
    await packDataset(src, pk, { overwrite: true, chunkRows: 100 });
    expect(openPackedDataset(pk).index.chunkRows).toBe(100);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('packing into a folder inside the source (or the source itself) is refused', async () => {
    for (const out of [join(src, 'packed'), src, tmp.dir]) {
      const err = await packDataset(src, out, { overwrite: true }).catch((e: unknown) => e);
      expect(isPackError(err, 'MMTAPE_PACK_INVALID_OPTIONS'), out).toBe(true);
    }
    expect(readdirSync(src).sort()).toEqual(['AAA.col', 'BBB.col', 'CCC.col', 'manifest.json', 'notes']);
  });
});
