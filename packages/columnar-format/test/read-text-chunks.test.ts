import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextChunks } from '../src/ingest/read-text-chunks.js';
import { mulberry32, tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('mmtape-read-text-chunks-');
afterAll(cleanup);

describe('readTextChunks', () => {
  /** Seeded lines (some empty, some multi-byte), CRLF or LF, optional BOM, > 2 MiB so text spans chunks. */
  function writeLines(
    name: string,
    seed: number,
    bom: boolean,
    crlf: boolean,
  ): { path: string; text: string } {
    const rand = mulberry32(seed);
    const lines: string[] = [];
    let size = 0;
    while (size < 2_300_000) {
      const len = rand() < 0.05 ? 0 : 1 + Math.floor(rand() * (rand() < 0.01 ? 5000 : 60));
      let l = '';
      // 1-, 2-, 3- and 4-byte UTF-8 characters, so some straddle chunk boundaries.
      for (let k = 0; k < len; k++) l += ['a', 'é', '€', '😀'][Math.floor(rand() * 4)]!;
      lines.push(l);
      size += Buffer.byteLength(l) + 2;
    }
    const eol = crlf ? '\r\n' : '\n';
    const text = (bom ? '\ufeff' : '') + lines.join(eol); // no final line end
    const path = join(dir, name);
    writeFileSync(path, text);
    return { path, text };
  }

  async function collect(path: string, range?: { startBytes: number; endBytes: number }) {
    const chunks: string[] = [];
    await readTextChunks(path, (t) => chunks.push(t), range);
    return chunks;
  }

  it('whole file, plain or gzip: the exact text (BOM kept), multi-byte characters intact, >= 1 MiB chunks', async () => {
    for (const [k, bom, crlf] of [
      [0, true, true],
      [1, false, false],
    ] as const) {
      const { path, text } = writeLines(`l${k}.csv`, 99 + k, bom, crlf);
      const chunks = await collect(path);
      expect(chunks.length).toBeGreaterThan(1);
      // 1 MiB read, minus at most 3 bytes of a character completed by the next chunk.
      expect(chunks.slice(0, -1).every((c) => Buffer.byteLength(c) >= (1 << 20) - 3)).toBe(true);
      expect(chunks.join('') === text).toBe(true);
      const gz = `${path}.gz`;
      writeFileSync(gz, gzipSync(text));
      expect((await collect(gz)).join('') === text).toBe(true);
    }
  });

  it('byte ranges at seeded random cuts cover every line exactly once, each from a line start', async () => {
    const { path, text } = writeLines('ranges.csv', 7, true, true);
    const buf = Buffer.from(text);
    const size = buf.length;
    const rand = mulberry32(31337);
    for (let trial = 0; trial < 6; trial++) {
      const cuts = new Set<number>([0, size]);
      const k = 1 + Math.floor(rand() * 12);
      for (let i = 0; i < k; i++) cuts.add(Math.floor(rand() * size));
      // Also cut exactly at a line start, on a '\r', on a '\n' and inside a multi-byte character.
      const nl = buf.indexOf(0x0a, Math.floor(rand() * (size - 10)));
      if (nl > 0) for (const c of [nl - 1, nl, nl + 1]) cuts.add(c);
      const multi = buf.indexOf(Buffer.from('😀'), Math.floor(rand() * (size - 10)));
      if (multi > 0) cuts.add(multi + 2);
      const sorted = [...cuts].sort((a, b) => a - b);
      const parts: string[] = [];
      let at = 0;
      for (let i = 0; i + 1 < sorted.length; i++) {
        const part = (await collect(path, { startBytes: sorted[i]!, endBytes: sorted[i + 1]! })).join('');
        expect(at === 0 || buf[at - 1] === 0x0a).toBe(true); // each range starts at a line start
        at += Buffer.byteLength(part);
        parts.push(part);
      }
      expect(parts.join('') === text).toBe(true);
    }
  });

  it('refuses a byte range of a gzip file', async () => {
    const path = join(dir, 'x.csv.gz');
    writeFileSync(path, gzipSync('a\nb\n'));
    await expect(collect(path, { startBytes: 0, endBytes: 2 })).rejects.toThrow(/gzip/);
  });
});
