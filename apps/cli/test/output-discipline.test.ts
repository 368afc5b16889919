import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTimestampNs } from '@mmtape/columnar-format/export';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { runIngest } from '../src/commands/ingest.js';
import { createProgram, main } from '../src/main.js';
import { captureOutput, quietCtx, tempDir } from './helpers.js';

const tmp = tempDir('output');
afterAll(() => tmp.cleanup());
const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));
const dataset = join(tmp.dir, 'ds');

beforeAll(async () => {
  await runIngest([demoDataDir()], { out: dataset }, quietCtx);
});

/** A CSV folder whose `note` column is text: ingest leaves it out (a diagnostic). */
function csvWithTextColumn(): string {
  const dir = join(tmp.dir, 'text-column');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'AAA.csv'),
    'date,close,note\n2020-01-01,1.5,up\n2020-01-02,1.25,down\n2020-01-03,1.75,flat\n',
  );
  return dir;
}

describe('stdout carries only the result', () => {
  it('a replay range past the data end warns on stderr; stdout holds only the summary', async () => {
    const r = await mmtape('replay', dataset, '--start', '2030-01-01');
    expect(r.result).toBe(0);
    expect(r.stderr).toMatch(
      /^mmtape: warning: --start 2030-01-01T00:00:00\.000Z is past the end of the data \(the data spans 2013-02-08T00:00:00\.000Z \.\. 2018-02-07T00:00:00\.000Z\): nothing to replay$/m,
    );
    expect(r.stdout).toContain('replayed 0 events');
    expect(r.stdout).not.toContain('warning');
    const before = await mmtape('replay', dataset, '--end', '2000-01-01');
    expect(before.stderr).toContain('--end 2000-01-01T00:00:00.000Z is at or before the start of the data');
    const inside = await mmtape('replay', dataset, '--start', '2017-01-01', '--end', '2030-01-01');
    expect(inside.stderr).not.toContain('warning');
  });

  it('a column left out by ingest is a warning on stderr, not a line of the summary', async () => {
    const r = await mmtape('ingest', csvWithTextColumn(), '--out', join(tmp.dir, 'text-out'));
    expect(r.result).toBe(0);
    expect(r.stderr).toMatch(/^mmtape: warning: columns left out \(not numeric\): "note" \(e\.g\. "up"\)$/m);
    expect(r.stdout).toContain('columns stored: ts, close');
    expect(r.stdout).not.toContain('left out');
    // Byte-based progress (plain lines without a TTY) goes to stderr too.
    expect(r.stderr).toMatch(/^ingest \(1 file\): \d+ B\/\d+ B done$/m);
    expect(r.stdout).not.toContain('ingest (1 file)');
  });

  it('demo prints its steps on stderr and the results on stdout', async () => {
    const r = await mmtape('demo', '--out', join(tmp.dir, 'demo'));
    expect(r.result).toBe(0);
    expect(r.stderr).toContain('1/3 ingest');
    expect(r.stdout).not.toContain('1/3 ingest');
    expect(r.stdout).toContain('results in');
  });
});

describe('--json', () => {
  it('is one parseable document with a warnings array, even when a warning is printed', async () => {
    for (const args of [
      ['info', dataset],
      ['replay', dataset],
      ['replay', dataset, '--start', '2030-01-01'],
      ['ingest', csvWithTextColumn(), '--out', join(tmp.dir, 'json-out')],
      ['gc', dataset, '--dry-run'],
    ]) {
      const r = await mmtape('--json', ...args);
      expect(r.result).toBe(0);
      const doc = JSON.parse(r.stdout); // throws unless stdout is exactly one JSON document
      expect(Array.isArray(doc.warnings)).toBe(true);
    }
    const past = JSON.parse((await mmtape('--json', 'replay', dataset, '--start', '2030-01-01')).stdout);
    expect(past.events).toBe(0);
    expect(past.warnings).toEqual([
      { code: 'RANGE_PAST_END', message: expect.stringContaining('past the end of the data') },
    ]);
    const ingest = JSON.parse(
      (await mmtape('--json', 'ingest', csvWithTextColumn(), '--out', join(tmp.dir, 'json-out2'))).stdout,
    );
    expect(ingest.warnings.map((w: { code: string }) => w.code)).toEqual(['COLUMNS_SKIPPED']);
  });

  it('an error is one document with error and warnings', async () => {
    const r = await mmtape('--json', 'replay', dataset, '--start', 'yesterday');
    expect(r.result).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('MMTAPE_CLI_USAGE');
    expect(doc.error.message).toContain('--start');
    expect(doc.warnings).toEqual([]);
  });

  it('timestamps are ns as decimal strings plus the same instant as ISO text, in every command', async () => {
    const info = JSON.parse((await mmtape('--json', 'info', dataset, '--symbols')).stdout);
    const replay = JSON.parse((await mmtape('--json', 'replay', dataset)).stdout);
    const ingest = JSON.parse(
      (await mmtape('--json', 'ingest', demoDataDir(), '--out', join(tmp.dir, 'ts-out'))).stdout,
    );
    for (const doc of [info, replay, ingest, info.perSymbol[0]]) {
      expect(doc.firstTimestampNs).toMatch(/^-?\d+$/);
      expect(doc.firstTimestamp).toBe(formatTimestampNs(BigInt(doc.firstTimestampNs)));
      expect(doc.lastTimestamp).toBe(formatTimestampNs(BigInt(doc.lastTimestampNs)));
    }
    expect(replay.firstTimestampNs).toBe(info.firstTimestampNs);
    expect(ingest.lastTimestampNs).toBe(info.lastTimestampNs);
  });
});

describe('--help of a command', () => {
  /** Flags listed in the Options sections of a help text (`  -o, --out <dir>  ...`). */
  const listed = (help: string): Set<string> =>
    new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!));
  const own = (cmd: Command): string[] => cmd.options.map((o) => o.long!).filter(Boolean);

  it('lists only its own options and the global ones', async () => {
    const program = createProgram(() => {});
    const global = new Set([...own(program), '--help']);
    const commands = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands : [c]));
    expect(commands.length).toBeGreaterThanOrEqual(12);
    for (const cmd of commands) {
      const path = cmd.parent === program ? [cmd.name()] : [cmd.parent!.name(), cmd.name()];
      const r = await mmtape(...path, '--help');
      const shown = listed(r.stdout);
      const allowed = new Set([...global, ...own(cmd)]);
      expect(
        [...shown].filter((f) => !allowed.has(f)),
        path.join(' '),
      ).toEqual([]);
      for (const f of own(cmd)) expect(shown.has(f), `${path.join(' ')} ${f}`).toBe(true);
    }
  });

  it('backend options appear only where they apply', async () => {
    const help = async (...path: string[]) => (await mmtape(...path, '--help')).stdout;
    expect(await help('replay')).toContain('--no-use-memory-mapped');
    expect(await help('replay')).not.toContain('--compression-level');
    expect(await help('ingest')).not.toContain('--use-memory-mapped');
    expect(await help('gc')).not.toContain('--compression');
    expect(await help('cache', 'prune')).toContain('--compression-algorithm <name>');
  });
});
