import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo.js';
import { main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('cli');
afterAll(() => tmp.cleanup());

const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

describe('mmtape demo', () => {
  it('runs ingest → replay → walk-forward on the embedded dataset', async () => {
    const out = join(tmp.dir, 'demo');
    const r = await runDemo({ out }, quietCtx);
    expect(r.ingest.symbols.length).toBe(30);
    expect(r.ingest.rowsWritten).toBe(37_486);
    expect(r.replay.events).toBe(37_486);
    expect(r.replay.ordered).toBe(true);
    expect(r.walkForward.report.windows.length).toBeGreaterThanOrEqual(10);
    const report = JSON.parse(readFileSync(r.reportPath, 'utf8'));
    expect(report.summary).toBeDefined();
    expect(Number.isFinite(report.summary.sharpe)).toBe(true);
    const html = readFileSync(r.htmlPath, 'utf8');
    for (const id of ['equity-chart', 'drawdown-chart', 'window-returns-chart', 'pairs-table']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/<svg id="spread-/);
  });

  it('prints a summary and where the results are, and --json gives a parseable document', async () => {
    const human = await mmtape('demo', '--out', join(tmp.dir, 'demo-human'));
    expect(human.result).toBe(0);
    expect(human.stdout).toContain('results in');
    expect(human.stdout).toMatch(/events\/s/);
    expect(human.stdout).toMatch(/Sharpe/);
    expect(human.stdout).toMatch(/html: .*report\.html/);
    const json = await mmtape('--json', 'info', join(tmp.dir, 'demo-human', 'dataset'));
    expect(json.result).toBe(0);
    const info = JSON.parse(json.stdout);
    expect(info.symbols).toBe(30);
    expect(info.rows).toBe(37_486);
    expect(['mmap', 'fallback']).toContain(info.backend);
  });
});

describe('bad input', () => {
  function writeCsv(name: string, body: string): string {
    const dir = join(tmp.dir, `in-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'AAA.csv'), body);
    return dir;
  }

  it('an unparseable timestamp is a data error naming file and line, leaving no dataset', async () => {
    const input = writeCsv(
      'ts',
      'date,open,high,low,close,volume\n2020-01-02,1,2,0.5,1.5,10\n2020-13-45,1,2,0.5,1.5,10\n',
    );
    const out = join(tmp.dir, 'out-ts');
    const r = await mmtape('ingest', input, '--out', out);
    expect(r.result).toBe(2);
    expect(r.stderr).toContain('AAA.csv');
    expect(r.stderr).toMatch(/AAA\.csv:3\b/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('out-ts'))).toEqual([]);
  });

  it('a non-numeric price is a data error naming file, line and column', async () => {
    const input = writeCsv('num', 'date,open,high,low,close,volume\n2020-01-02,1,2,0.5,abc,10\n');
    const out = join(tmp.dir, 'out-num');
    const r = await mmtape('ingest', input, '--out', out);
    expect(r.result).toBe(2);
    expect(r.stderr).toContain('AAA.csv');
    expect(r.stderr).toMatch(/AAA\.csv:2\b/);
    expect(r.stderr).toContain('abc');
    expect(existsSync(out)).toBe(false);
  });

  it('a missing close column is reported with the columns found', async () => {
    const input = writeCsv('col', 'date,open,high,low,volume\n2020-01-02,1,2,0.5,10\n');
    const out = join(tmp.dir, 'out-col');
    const r = await mmtape('ingest', input, '--out', out);
    expect(r.result).not.toBe(0);
    expect(r.result).not.toBe(3);
    expect(r.stderr).toContain('AAA.csv');
    expect(r.stderr).toMatch(/close/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects unknown options and bad values with exit code 1', async () => {
    const unknown = await mmtape('replay', 'x', '--frobnicate');
    expect(unknown.result).toBe(1);
    expect(unknown.stderr).toMatch(/unknown option/);
    const bad = await mmtape('walk-forward', 'x', '--report', 'y', '--train-bars', 'many');
    expect(bad.result).toBe(1);
    expect(bad.stderr).toMatch(/expected an integer/);
  });

  it('a missing dataset is a user error with one line and no stack trace', async () => {
    const r = await mmtape('info', join(tmp.dir, 'nope'));
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('nope');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
