import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, exitCodeFor } from '../src/cli-error.js';
import { ExitCode } from '../src/exit-codes.js';
import { main } from '../src/main.js';
import { captureOutput, tempDir } from './helpers.js';

const tmp = tempDir('exit-codes');
afterAll(() => tmp.cleanup());

const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

function systemError(code: string, syscall = 'write'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall} '/out/x'`), {
    code,
    errno: -1,
    syscall,
    path: '/out/x',
  });
}

/** The `{ error }` document printed on stdout under --json. */
function errorJson(stdout: string): {
  code: string;
  kind: string;
  message: string;
  context: Record<string, unknown>;
} {
  return JSON.parse(stdout).error;
}

const dataset = join(tmp.dir, 'ds');
const packed = join(tmp.dir, 'packed');

beforeAll(async () => {
  const input = join(tmp.dir, 'in');
  mkdirSync(input);
  for (const [symbol, base] of [
    ['AAA', 10],
    ['BBB', 20],
  ] as const) {
    const rows = Array.from({ length: 40 }, (_, i) => {
      const day = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
      const p = base + i / 10;
      return `${day},${p},${p + 1},${p - 1},${p + 0.5},${1000 + i}`;
    });
    writeFileSync(join(input, `${symbol}.csv`), `date,open,high,low,close,volume\n${rows.join('\n')}\n`);
  }
  expect((await mmtape('-q', 'ingest', input, '--out', dataset)).result).toBe(0);
  expect((await mmtape('-q', 'pack', dataset, '--out', packed)).result).toBe(0);
});

describe('exitCodeFor maps kind, never a list of codes', () => {
  it('OS refusals are io (4), a missing path usage (1), anything unknown internal (3)', () => {
    expect(exitCodeFor(systemError('ENOSPC'))).toBe(ExitCode.io);
    expect(exitCodeFor(systemError('EROFS'))).toBe(ExitCode.io);
    expect(exitCodeFor(systemError('EACCES', 'open'))).toBe(ExitCode.io);
    expect(exitCodeFor(systemError('ENOENT', 'open'))).toBe(ExitCode.user);
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(ExitCode.internal);
    expect(describeError(systemError('ENOSPC'))).toMatch(/\[ENOSPC\]$/);
  });
});

describe('exit codes through the CLI', () => {
  it('replay --start junk is a usage error (1), with a JSON error on stdout under --json', async () => {
    const r = await mmtape('--json', 'replay', dataset, '--start', 'junk');
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('--start');
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_CLI_USAGE', kind: 'usage' });
    expect(errorJson(r.stdout).message).toContain('"junk"');
  });

  it('an invalid --symbol-pattern regex is a usage error (1)', async () => {
    const r = await mmtape(
      'ingest',
      join(tmp.dir, 'in'),
      '--out',
      join(tmp.dir, 'ds-pattern'),
      '--symbol-pattern',
      '(',
    );
    expect(r.result).toBe(1);
    expect(r.stderr).toMatch(/--symbol-pattern "\(" is not a valid regular expression/);
  });

  it('pack onto an existing non-empty folder is MMTAPE_PACK_OUTPUT_EXISTS, a usage error (1)', async () => {
    const r = await mmtape('--json', 'pack', dataset, '--out', packed);
    expect(r.result).toBe(1);
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_PACK_OUTPUT_EXISTS', kind: 'usage' });
  });

  it('a corrupt packed file is MMTAPE_PACK_CORRUPT, a data error (2)', async () => {
    const corrupt = join(tmp.dir, 'packed-corrupt');
    cpSync(packed, corrupt, { recursive: true });
    const file = join(corrupt, 'files', readdirSync(join(corrupt, 'files'))[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(file, bytes);
    const r = await mmtape('--json', 'hydrate', corrupt, '--out', join(tmp.dir, 'hydrated-corrupt'));
    expect(r.result).toBe(2);
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_PACK_CORRUPT', kind: 'data' });
    expect(errorJson(r.stdout).context.path).toBe(file);
  });

  it('an output the operating system refuses (EPERM/EACCES under /sys) is an io error (4)', async () => {
    const r = await mmtape('--json', 'ingest', join(tmp.dir, 'in'), '--out', '/sys/mmtape-exit-code-test');
    expect(r.result).toBe(4);
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_SYSTEM_CALL_FAILED', kind: 'io' });
    expect(['EPERM', 'EACCES', 'EROFS']).toContain(errorJson(r.stdout).context.errno);
  });

  it('an unknown option is a usage error (1) with a JSON error under --json', async () => {
    const r = await mmtape('--json', 'replay', dataset, '--frobnicate');
    expect(r.result).toBe(1);
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_CLI_USAGE', kind: 'usage' });
    expect(errorJson(r.stdout).message).toMatch(/unknown option/);
  });
});

describe('bounded JSON through the CLI', () => {
  it('manifest.json symlinked to /dev/zero is a quick data error (2), not a hang', async () => {
    const ds = join(tmp.dir, 'ds-zero');
    cpSync(dataset, ds, { recursive: true });
    const manifest = join(ds, readFileSync(join(ds, 'CURRENT'), 'utf8').trim(), 'manifest.json');
    rmSync(manifest);
    symlinkSync('/dev/zero', manifest);
    const r = await mmtape('--json', 'info', ds);
    expect(r.result).toBe(2);
    expect(errorJson(r.stdout)).toMatchObject({ code: 'MMTAPE_DATASET_INVALID_MANIFEST', kind: 'data' });
    expect(r.stderr).toContain('character device');
  });

  it('a 100,000-deep nested manifest.json is a data error (2), not a stack overflow (3)', async () => {
    const ds = join(tmp.dir, 'ds-deep');
    cpSync(dataset, ds, { recursive: true });
    const generation = readFileSync(join(ds, 'CURRENT'), 'utf8').trim();
    writeFileSync(join(ds, generation, 'manifest.json'), `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const r = await mmtape('replay', ds);
    expect(r.result).toBe(2);
    expect(r.stderr).toContain('nested more than');
  });

  it('pack.json symlinked to /dev/zero is MMTAPE_PACK_CORRUPT (2)', async () => {
    const pk = join(tmp.dir, 'packed-zero');
    cpSync(packed, pk, { recursive: true });
    rmSync(join(pk, 'pack.json'));
    symlinkSync('/dev/zero', join(pk, 'pack.json'));
    const r = await mmtape('hydrate', pk, '--out', join(tmp.dir, 'hydrated-zero'));
    expect(r.result).toBe(2);
    expect(r.stderr).toContain('MMTAPE_PACK_CORRUPT');
  });

  it('a config file over 1 MiB, or a device, is refused as a usage error (1) naming the file', async () => {
    const big = join(tmp.dir, 'big.config.json');
    writeFileSync(big, `{"cacheDir": "${'x'.repeat(1024 * 1024)}"}`);
    const r = await mmtape('--config', big, 'info', dataset);
    expect(r.result).toBe(1);
    expect(r.stderr).toMatch(/at most 1048576 bytes/);
    const zero = join(tmp.dir, 'zero.config.yaml');
    symlinkSync('/dev/zero', zero);
    const z = await mmtape('--config', zero, 'info', dataset);
    expect(z.result).toBe(1);
    expect(z.stderr).toContain('character device');
  });
});
