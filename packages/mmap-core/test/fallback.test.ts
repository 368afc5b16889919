import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FALLBACK_WARNING_CODE, MappedFile, mmapStatus, pageSizeBytes } from '../src/index.js';

let dir: string;
let dataPath: string;
let data: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmtape-mmap-fallback-'));
  dataPath = join(dir, 'data.bin');
  data = Buffer.alloc(5 * pageSizeBytes() + 17);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
  writeFileSync(dataPath, data);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('MappedFile (forced fallback)', () => {
  it('reads the same bytes, warns once per process and reports the reason', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const first = MappedFile.open(dataPath, { forceFallback: true });
    const second = MappedFile.open(dataPath, { forceFallback: true });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: FALLBACK_WARNING_CODE });
    warn.mockRestore();

    expect(first.backend).toBe('fallback');
    expect(first.byteLength).toBe(data.length);
    expect(Buffer.compare(first.buffer, data)).toBe(0);
    expect(first.buffer.byteOffset).toBe(0);
    const mapped = MappedFile.open(dataPath);
    expect(Buffer.compare(first.buffer, mapped.buffer)).toBe(0);

    const status = mmapStatus();
    expect(status.backend).toBe('mmap');
    expect(status.reason).toContain('forceFallback');
    first.close();
    second.close();
    mapped.close();
  });

  it('treats advise as a no-op and reports every page resident', () => {
    const file = MappedFile.open(dataPath, { forceFallback: true });
    const page = pageSizeBytes();
    expect(() => file.advise('dontneed', 3, 2 * page)).not.toThrow();
    expect(() => file.advise('willneed')).not.toThrow();
    expect(file.residency()).toEqual({
      residentPages: 6,
      totalPages: 6,
      residentBytes: data.length,
      totalBytes: data.length,
    });
    expect(file.residency(page, page)).toEqual({
      residentPages: 1,
      totalPages: 1,
      residentBytes: page,
      totalBytes: page,
    });
    file.close();
    expect(() => file.buffer).toThrow(/closed/);
  });
});
