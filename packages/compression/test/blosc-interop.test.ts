import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  type BloscOptions,
  bloscCompress,
  bloscDecompress,
  isCompressionError,
  parseBloscHeader,
} from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/blosc/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  generator: string;
  fixtures: { file: string; raw: string; cname: string; shuffle: string; typesize: number; sha256: string }[];
};
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe(`python-blosc -> mmtape (fixtures from ${manifest.generator})`, () => {
  it('covers every cname, shuffle mode and typesize 1/4/8', () => {
    const keys = new Set(manifest.fixtures.map((f) => `${f.cname}/${f.shuffle}`));
    expect(keys.size).toBe(12);
    expect(new Set(manifest.fixtures.map((f) => f.typesize))).toEqual(new Set([1, 4, 8]));
  });
  for (const f of manifest.fixtures) {
    it(f.file, async () => {
      const packed = readFileSync(join(FIXTURES, f.file));
      expect(parseBloscHeader(packed).typesize).toBe(f.typesize);
      const raw = await bloscDecompress(packed);
      expect(sha256(raw)).toBe(f.sha256);
      expect(Buffer.from(raw).equals(readFileSync(join(FIXTURES, f.raw)))).toBe(true);
    });
  }
});

const HAVE_PYTHON_BLOSC = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import blosc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('mmtape -> python-blosc (and numcodecs c-blosc wasm)', () => {
  const inputs = [...new Set(manifest.fixtures.map((f) => f.raw))];
  const options: BloscOptions[] = [];
  for (const cname of ['lz4', 'zlib', 'zstd'] as const) {
    for (const shuffle of ['noshuffle', 'shuffle', 'bitshuffle'] as const) {
      for (const typesize of [1, 4, 8]) options.push({ cname, shuffle, typesize, clevel: 5 });
    }
  }
  options.push(
    { cname: 'lz4', clevel: 9, typesize: 8 },
    { cname: 'zstd', clevel: 1, typesize: 8, blocksize: 4096 },
    { cname: 'zstd', clevel: 0 },
  );

  it(`${inputs.length} inputs x ${options.length} option sets decode to the same bytes in c-blosc`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmtape-blosc-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const expected = new Map<string, string>();
    const Blosc = (await import('numcodecs/blosc')).default;
    const cblosc = new Blosc();
    for (const input of inputs) {
      const raw = readFileSync(join(FIXTURES, input));
      for (const [i, o] of options.entries()) {
        const packed = await bloscCompress(raw, o);
        const h = parseBloscHeader(packed);
        expect(h.typesize).toBe(o.typesize ?? 8);
        expect(Buffer.from(await bloscDecompress(packed)).equals(raw)).toBe(true);
        // Independent decoder 1: c-blosc compiled to WebAssembly (numcodecs), always available.
        expect(Buffer.from(await cblosc.decode(packed)).equals(raw), `${input} ${JSON.stringify(o)}`).toBe(
          true,
        );
        const file = join(dir, `${input}-${i}.blosc`);
        writeFileSync(file, packed);
        expected.set(file, sha256(raw));
      }
    }
    // Independent decoder 2: python-blosc (native c-blosc 1.21) through the committed script.
    if (HAVE_PYTHON_BLOSC) {
      const script = fileURLToPath(new URL('../scripts/decode-blosc.py', import.meta.url));
      const out = execFileSync('/usr/bin/python3', [script, ...expected.keys()], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; sha256?: string; error?: string });
      expect(lines.length).toBe(expected.size);
      for (const l of lines) expect(l.sha256, `${l.file}: ${l.error}`).toBe(expected.get(l.file));
    } else {
      console.warn('python3-blosc not installed: JS -> python direction checked with numcodecs c-blosc only');
    }
  });

  it('rejects corrupt or truncated blosc buffers with MMTAPE_CODEC_FAILED', async () => {
    const raw = readFileSync(join(FIXTURES, 'prices-1000.raw'));
    const packed = await bloscCompress(raw, { cname: 'lz4' });
    for (const cut of [0, 10, 16, 40, packed.length - 1]) {
      const err = await bloscDecompress(packed.subarray(0, cut)).catch((e: unknown) => e);
      expect(isCompressionError(err, 'MMTAPE_CODEC_FAILED'), `cut ${cut}`).toBe(true);
    }
    for (let i = 16; i < packed.length; i += 7) {
      const bad = packed.slice();
      bad[i] = (bad[i] as number) ^ 0xff;
      const r = await bloscDecompress(bad).catch((e: unknown) => e);
      if (!(r instanceof Uint8Array)) expect(isCompressionError(r, 'MMTAPE_CODEC_FAILED')).toBe(true);
    }
  });
});
