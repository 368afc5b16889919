import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(cliDir, 'dist', 'bin.js');
const hooks = fileURLToPath(new URL('./fixtures/register-log-hooks.mjs', import.meta.url));
const version = (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const tmp = tempDir('start-up');
afterAll(() => tmp.cleanup());

let runs = 0;
/** Runs the built `mmtape` with `args`; returns its output and every module URL it resolved. */
function mmtape(...args: string[]): { status: number | null; stdout: string; modules: string[] } {
  return mmtapeIn(process.cwd(), ...args);
}

/** {@link mmtape} run in the working directory `cwd` (where a config file is looked up). */
function mmtapeIn(
  cwd: string,
  ...args: string[]
): { status: number | null; stdout: string; modules: string[] } {
  const log = join(tmp.dir, `modules-${runs++}.log`);
  const r = spawnSync(process.execPath, ['--import', hooks, bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MMTAPE_LOAD_LOG: log },
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(log, 'utf8').trim().split('\n');
  } catch {
    // nothing resolved
  }
  return { status: r.status, stdout: r.stdout, modules };
}

/** Packages that only commands need (mmtape's own, Arrow, config parsing, progress bars). */
const HEAVY = /node_modules\/(apache-arrow|@mmtape\/|zod|yaml|cli-progress)|packages\/[a-z-]+\/dist\//;

describe('start-up (the built binary)', () => {
  it('--version and -V print the version of the package.json', () => {
    for (const flag of ['--version', '-V']) {
      const r = mmtape(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('--help and --version load commander and the command table, no command dependency', () => {
    for (const args of [['--help'], ['--version'], ['replay', '--help']]) {
      const r = mmtape(...args);
      expect(r.status).toBe(0);
      expect(r.modules.some((m) => m.includes('/commander/'))).toBe(true);
      expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    }
  });

  it('replay without a config file loads no config parser, no walk-forward and no ingest or export layer', () => {
    // Config parsing (zod, yaml) and @mmtape/walk-forward (the config's walkForward schema) cost ~0.4 s
    // of a one-shot replay: loaded only when a config file is there.
    const CONFIG_ONLY = /node_modules\/\.pnpm\/(zod|yaml)@|packages\/walk-forward\/dist\//;
    const bare = join(tmp.dir, 'no-config');
    mkdirSync(bare, { recursive: true });
    const r = mmtapeIn(bare, 'replay', 'no-such-dataset');
    expect(r.status).toBe(1);
    expect(r.modules.some((m) => /merge-replay/.test(m))).toBe(true);
    expect(r.modules.filter((m) => CONFIG_ONLY.test(m))).toEqual([]);
    // Nor the ingest and export layers (CSV and Parquet readers, the ingest pool): times are parsed
    // and printed through @mmtape/columnar-format/time.
    const LAYERS = /node_modules\/\.pnpm\/(csv-parse|hyparquet[a-z-]*|piscina|udsv)@/;
    expect(r.modules.some((m) => /columnar-format\/dist\/time\//.test(m))).toBe(true);
    expect(r.modules.filter((m) => LAYERS.test(m))).toEqual([]);
    // With a config file the same command reads it, and fails on a bad setting (usage, exit 1).
    const configured = join(tmp.dir, 'with-config');
    mkdirSync(configured, { recursive: true });
    writeFileSync(join(configured, 'mmtape.config.json'), '{"verify": "yes"}');
    const c = mmtapeIn(configured, 'replay', 'no-such-dataset');
    expect(c.status).toBe(1);
    expect(c.modules.some((m) => CONFIG_ONLY.test(m))).toBe(true);
  });

  it('a command loads its dependencies when it runs (the check above can fail)', () => {
    const r = mmtape('info', join(tmp.dir, 'no-such-dataset'));
    expect(r.status).toBe(1);
    expect(r.modules.some((m) => /columnar-format/.test(m))).toBe(true);
  });
});
