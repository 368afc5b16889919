import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  const log = join(tmp.dir, `modules-${runs++}.log`);
  const r = spawnSync(process.execPath, ['--import', hooks, bin, ...args], {
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

  it('a command loads its dependencies when it runs (the check above can fail)', () => {
    const r = mmtape('info', join(tmp.dir, 'no-such-dataset'));
    expect(r.status).toBe(1);
    expect(r.modules.some((m) => /columnar-format/.test(m))).toBe(true);
  });
});
