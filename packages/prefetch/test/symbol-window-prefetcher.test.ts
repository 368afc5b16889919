import { describe, expect, it } from 'vitest';
import { DEFAULT_AHEAD_SYMBOLS, DEFAULT_BEHIND_SYMBOLS, SymbolWindowPrefetcher } from '../src/index.js';
import { RecordingFile } from './recording-file.js';

/** 10 streams; each: header [0, 8), A = 10 x 8 bytes [8, 88), B = 10 x 4 bytes [88, 128), file 200 bytes. */
function streams(count = 10): { files: RecordingFile[]; p: SymbolWindowPrefetcher } {
  const files = Array.from({ length: count }, () => new RecordingFile(200));
  const p = new SymbolWindowPrefetcher(
    files.map((file) => ({
      file,
      rowCount: 10,
      columns: [
        { offsetBytes: 8, bytesPerRow: 8 },
        { offsetBytes: 88, bytesPerRow: 4 },
      ],
    })),
    { aheadSymbols: 2, behindSymbols: 1, pageSizeBytes: 64 },
  );
  return { files, p };
}

/**
 * Advice received since the last call, as `"<stream>:<advice>:<offset>+<length>"`, grouped by stream
 * (not in call order).
 */
function taken(files: RecordingFile[]): string[] {
  return files.flatMap((file, i) => file.take().map(([a, o, l]) => `${i}:${a}:${o}+${l}`));
}

describe('SymbolWindowPrefetcher', () => {
  it('advises the visited stream and the next aheadSymbols, releases streams more than behindSymbols back', () => {
    const { files, p } = streams();
    p.visit(0);
    // Columns [8, 88) and [88, 128) round outward to [0, 128) and [64, 128): merged into one call.
    expect(taken(files)).toEqual(['0:willneed:0+128', '1:willneed:0+128', '2:willneed:0+128']);
    p.visit(0);
    expect(taken(files)).toEqual([]);
    p.visit(1);
    expect(taken(files)).toEqual(['3:willneed:0+128']);
    p.visit(2);
    expect(taken(files)).toEqual(['0:dontneed:0+128', '4:willneed:0+128']);
    p.visit(5);
    expect(taken(files)).toEqual([
      '1:dontneed:0+128',
      '2:dontneed:0+128',
      '3:dontneed:0+128',
      '5:willneed:0+128',
      '6:willneed:0+128',
      '7:willneed:0+128',
    ]);
    p.visit(9);
    expect(taken(files)).toEqual([
      '4:dontneed:0+128',
      '5:dontneed:0+128',
      '6:dontneed:0+128',
      '7:dontneed:0+128',
      '9:willneed:0+128', // stream 8 was skipped over: never advised, never released
    ]);
    p.finish();
    expect(taken(files)).toEqual(['9:dontneed:0+128']);
    p.finish();
    expect(taken(files)).toEqual([]);
    expect(p.stats()).toEqual({
      willneedCalls: 9,
      willneedBytes: 1152,
      dontneedCalls: 9,
      dontneedBytes: 1152,
      calls: 6,
      advisedCalls: 5,
    });
  });

  it('re-advises a released stream visited again', () => {
    const { files, p } = streams(5);
    p.visit(3);
    taken(files);
    p.visit(0);
    expect(taken(files)).toEqual(['0:willneed:0+128', '1:willneed:0+128', '2:willneed:0+128']);
  });

  it('keeps separate ranges for columns on distant pages and documents its defaults', () => {
    const file = new RecordingFile(10_000);
    const p = new SymbolWindowPrefetcher(
      [
        {
          file,
          rowCount: 100,
          columns: [
            { offsetBytes: 100, bytesPerRow: 8 },
            { offsetBytes: 9000, bytesPerRow: 8 },
          ],
        },
      ],
      { pageSizeBytes: 4096 },
    );
    p.visit(0);
    expect(file.take()).toEqual([
      ['willneed', 0, 4096],
      ['willneed', 8192, 10_000 - 8192], // rounded up to 12,288, clamped to the file's 10,000 bytes
    ]);
    expect([p.aheadSymbols, p.behindSymbols]).toEqual([DEFAULT_AHEAD_SYMBOLS, DEFAULT_BEHIND_SYMBOLS]);
    expect([DEFAULT_AHEAD_SYMBOLS, DEFAULT_BEHIND_SYMBOLS]).toEqual([100, 50]);
    expect(() => p.visit(1)).toThrow(/symbolIndex must be an integer in \[0, 1\)/);
  });
});
