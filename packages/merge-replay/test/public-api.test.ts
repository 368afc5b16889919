import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AUTO_PREFETCH_MIN_BYTES',
      'InvalidReplayOptionError',
      'KWayMerge',
      'MergeReplayError',
      'MissingColumnError',
      'StreamArrayChangedError',
      'UnknownSymbolError',
      'UnsortedStreamError',
      'UnsupportedColumnDtypeError',
      'isMergeReplayError',
      'isMmtapeError',
      'replayChunks',
      'replayChunksAsync',
      'replayDataset',
    ]);
  });

  it('marks errors with Symbol.for("mmtape.error") so guards work across package copies', () => {
    const error = new api.UnknownSymbolError({ symbol: 'X', available: ['A'] });
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('mmtape.error')]).toBe(true);
    expect(api.isMmtapeError(error)).toBe(true);
    expect(api.isMergeReplayError(error)).toBe(true);
    expect(api.isMergeReplayError(new Error('plain'))).toBe(false);
    expect(error.message).toContain('"X"');
  });
});
