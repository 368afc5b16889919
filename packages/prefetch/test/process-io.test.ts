import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcessIo, readProcessIo } from '../src/index.js';

/** `/proc/<pid>/io` as Linux 6.18 prints it (Documentation/filesystems/proc.rst, "/proc/<pid>/io"). */
const SAMPLE = `rchar: 323934931
wchar: 323929600
syscr: 632687
syscw: 632675
read_bytes: 1285144608768
write_bytes: 323932160
cancelled_write_bytes: 4096
`;

describe('parseProcessIo', () => {
  it('reads every field as a number, read_bytes beyond 2^32', () => {
    expect(parseProcessIo(SAMPLE)).toEqual({
      readCharBytes: 323_934_931,
      writeCharBytes: 323_929_600,
      readSyscalls: 632_687,
      writeSyscalls: 632_675,
      readBytes: 1_285_144_608_768,
      writeBytes: 323_932_160,
      cancelledWriteBytes: 4096,
    });
  });

  it('returns null rather than a wrong count when a field is missing or malformed', () => {
    expect(parseProcessIo('')).toBeNull();
    expect(parseProcessIo(SAMPLE.replace('read_bytes: 1285144608768\n', ''))).toBeNull();
    expect(parseProcessIo(SAMPLE.replace('read_bytes: 1285144608768', 'read_bytes: -1'))).toBeNull();
    expect(parseProcessIo(SAMPLE.replace('read_bytes: 1285144608768', 'read_bytes: 12x'))).toBeNull();
    expect(parseProcessIo(SAMPLE.replace('1285144608768', '99999999999999999999'))).toBeNull();
  });

  it('ignores surrounding whitespace, order and unknown lines', () => {
    const shuffled = `extra_field: 7\n${SAMPLE.trim().split('\n').reverse().join('\n')}\n\n`;
    expect(parseProcessIo(shuffled)?.readBytes).toBe(1_285_144_608_768);
  });
});

describe('readProcessIo', () => {
  it('reads /proc/self/io where it exists, and counts a read of a file not in the page cache', () => {
    let available = true;
    try {
      readFileSync('/proc/self/io', 'utf8');
    } catch {
      available = false;
    }
    const io = readProcessIo();
    if (!available) {
      expect(io).toBeNull();
      return;
    }
    expect(io).not.toBeNull();
    const before = io!.readCharBytes;
    readFileSync(new URL('../package.json', import.meta.url));
    // rchar counts bytes passed to read(), cached or not: it must grow by at least the file's size.
    expect(readProcessIo()!.readCharBytes).toBeGreaterThan(before);
  });
});
