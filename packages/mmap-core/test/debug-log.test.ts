import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MappedFile } from '../src/index.js';

describe('MMTAPE_LOG=debug', () => {
  afterEach(() => {
    delete process.env.MMTAPE_LOG;
    vi.restoreAllMocks();
  });

  it('logs lifecycle lines prefixed mmtape:mmap only when enabled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmtape-mmap-log-'));
    const path = join(dir, 'a.bin');
    writeFileSync(path, Buffer.alloc(100, 1));
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    MappedFile.open(path).close();
    expect(log).not.toHaveBeenCalled();
    process.env.MMTAPE_LOG = 'debug';
    MappedFile.open(path).close();
    expect(log.mock.calls.map((call) => call[0])).toEqual([
      `mmtape:mmap open ${path}: mapped 100 bytes`,
      `mmtape:mmap close ${path}`,
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
