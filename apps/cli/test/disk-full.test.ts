import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataDir } from '../src/commands/demo.js';
import { main } from '../src/main.js';
import { captureOutput, tempDir } from './helpers.js';

const tmp = tempDir('disk-full');
const mountPoint = join(tmp.dir, 'small');
let mounted = false;
let why = '';

/** Mounts a 256 KiB tmpfs (root only): writes into it hit ENOSPC. */
beforeAll(() => {
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (e) {
    why = `cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]}): needs root`;
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  tmp.cleanup();
});

const mmtape = (...args: string[]) => captureOutput(() => main(['node', 'mmtape', ...args]));

describe('disk full (ENOSPC on a 256 KiB tmpfs)', () => {
  it('ingest and pack exit 4 (io), publish nothing and leave no temp files behind', async () => {
    if (!mounted) {
      // Not root (or no mount in this sandbox): say why instead of pretending to have tested it.
      process.stderr.write(`disk-full test not run: ${why}\n`);
      expect(process.getuid?.()).not.toBe(0);
      return;
    }
    const out = join(mountPoint, 'ds');
    const r = await mmtape('ingest', demoDataDir(), '--out', out, '-q');
    expect(r.result).toBe(4);
    expect(r.stderr).toMatch(/ENOSPC|no space/i);
    // Nothing published, nothing half-written left on the full disk.
    const left = readdirSync(mountPoint, { recursive: true }) as string[];
    expect(left.filter((f) => /CURRENT$|\.col$|\.tmp-/.test(f))).toEqual([]);
    const dataset = join(tmp.dir, 'ds');
    expect((await mmtape('ingest', demoDataDir(), '--out', dataset, '-q')).result).toBe(0);
    const packed = join(mountPoint, 'packed');
    const p = await mmtape('pack', dataset, '--out', packed, '-q');
    expect(p.result).toBe(4);
    expect(readdirSync(mountPoint).filter((f) => f.startsWith('.packed') || f === 'packed')).toEqual([]);
  }, 120_000);
});
