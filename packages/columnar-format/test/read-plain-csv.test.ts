import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isMmtapeError } from '../src/index.js';
import { ingest } from '../src/ingest/index.js';
import { NotPlainCsvError, readPlainCsv, sniffPlainCsv } from '../src/ingest/read-plain-csv.js';
import { tempDir } from './helpers.js';

/** Text chunks handed to uDSV parsers (recorded by the wrapped `initParser`). */
const fedToUdsv: string[] = [];

vi.mock('udsv', async (importOriginal) => {
  const udsv = await importOriginal<typeof import('udsv')>();
  return {
    ...udsv,
    initParser: (schema: Parameters<typeof udsv.initParser>[0]) => {
      const parser = udsv.initParser(schema);
      const chunk = parser.chunk;
      parser.chunk = (text, parse, onData) => {
        fedToUdsv.push(text);
        chunk(text, parse, onData);
      };
      return parser;
    },
  };
});

const { dir, cleanup } = tempDir('mmtape-ingest-udsv-');
afterAll(cleanup);
beforeEach(() => {
  fedToUdsv.length = 0;
});

let n = 0;
function file(name: string, content: string): string {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  const path = join(d, name);
  writeFileSync(path, content);
  return path;
}

/** Header and rows as readPlainCsv reports them. */
async function records(path: string): Promise<string[][]> {
  const head = await sniffPlainCsv(path);
  if (head === undefined) throw new Error('not plain at its head');
  const out: string[][] = [];
  await readPlainCsv(path, head, ',', (fields) => out.push([...fields]));
  return out;
}

describe('readPlainCsv: plain CSV through uDSV', () => {
  it('plain CSV goes through uDSV (BOM, CRLF, trailing delimiter); quoted CSV does not', async () => {
    const plain = file('P.csv', '\ufeffdate,close,\r\n2020-01-01,1.5,\r\n\r\n2020-01-02,2,\r\n');
    const report = await ingest({
      inputs: [plain],
      outDir: join(dir, 'out-plain'),
      durable: false,
      workers: 1,
    });
    expect(report.rowsRead).toBe(2);
    expect(fedToUdsv.join('')).toContain('2020-01-02,2,');
    fedToUdsv.length = 0;
    const quoted = file('Q.csv', '"date","close"\n2020-01-01,1.5\n');
    await ingest({ inputs: [quoted], outDir: join(dir, 'out-quoted'), durable: false, workers: 1 });
    expect(fedToUdsv).toEqual([]);
  });

  it('line ends: CRLF, LF, mixed, CRLF empty lines in an LF file, bare CR kept as data, final CR dropped', async () => {
    // 80 KB of plain rows first: the sniff sends files with a bare CR in their first 64 KiB to csv-parse.
    const path = file('M.csv', `a,b\n${'0,0\n'.repeat(20_000)}1,2\r\n\r\n3,4\n\n5,x\ry\r\n6,7\r`);
    const got = await records(path);
    expect(got.slice(1, 20_001).every((r) => r[0] === '0' && r[1] === '0')).toBe(true);
    expect([got[0], ...got.slice(20_001)]).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
      ['5', 'x\ry'],
      ['6', '7'],
    ]);
    expect(fedToUdsv.length).toBeGreaterThan(0);
  });

  it('leading empty lines before the header are skipped, as by csv-parse', async () => {
    const path = file('L.csv', '\n\r\na,b\n1,2\n');
    expect(await records(path)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('refuses what it cannot parse safely: malformed lines (even where uDSV would invent fields), U+FEFF', async () => {
    const cases = {
      'too few fields mid-file': 'a,b,c\n1,2\n3,4,5\n',
      'too many fields': 'a,b\n1,2,3\n',
      'one-field last line': 'a,b,c\n1,2,3\n7\n',
      'one-field last line, no line end': 'a,b,c\n1,2,3\n7',
      'short last line, no line end': 'a,b,c\n1,2,3\n4,5',
      'U+FEFF inside': 'a,b\n1,2\n\ufeff3,4\n',
    };
    for (const [name, text] of Object.entries(cases)) {
      const err = await records(file('X.csv', text)).catch((e) => e);
      expect([name, err instanceof NotPlainCsvError]).toEqual([name, true]);
    }
  });

  it('a refused file is read by csv-parse: exact error and line, as before', async () => {
    const cases: [string, string, string][] = [
      ['date,open,close\n2020-01-01,1,2\n2020-01-02,1\n2020-01-03,1,2\n', ':3:', 'found 2'],
      ['date,open,close\n2020-01-01,1,2\n\n7\n', ':4:', 'found 1'],
      ['date,close\n2020-01-01,1\n2020-01-02,1,9\n', ':3:', 'found 3'],
    ];
    for (const [text, line, found] of cases) {
      const path = file('F.csv', text);
      const err = await ingest({
        inputs: [path],
        outDir: join(dir, `out${n}`),
        durable: false,
        workers: 1,
      }).catch((e) => e);
      expect(isMmtapeError(err, 'MMTAPE_INGEST_FIELD_COUNT_MISMATCH')).toBe(true);
      expect((err as Error).message).toContain(`${path}${line}`);
      expect((err as Error).message).toContain(found);
    }
  });

  it('a quote past the sniffed head makes csv-parse read the file: same rows as the quote-free file', async () => {
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `2020-01-01T00:${String(i % 60).padStart(2, '0')}:00Z,${i}`,
    );
    const plain = file('S.csv', `timestamp,close\n${rows.join('\n')}\n`);
    rows[4000] = `2020-01-01T00:00:00Z,"4000"`;
    const quoted = file('S.csv', `timestamp,close\n${rows.join('\n')}\n`);
    const a = await ingest({ inputs: [plain], outDir: join(dir, 'out-s1'), durable: false, workers: 1 });
    const b = await ingest({ inputs: [quoted], outDir: join(dir, 'out-s2'), durable: false, workers: 1 });
    expect(b.rowsRead).toBe(5000);
    expect(b.symbols).toEqual(a.symbols);
    const err = await records(quoted).catch((e) => e);
    expect(err).toBeInstanceOf(NotPlainCsvError);
  });
});
