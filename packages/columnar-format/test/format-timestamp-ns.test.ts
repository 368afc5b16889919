import { describe, expect, it } from 'vitest';
import { formatTimestampNs } from '../src/export/format-timestamp-ns.js';

describe('formatTimestampNs', () => {
  it('prints whole milliseconds like Date.toISOString', () => {
    expect(formatTimestampNs(1_514_903_400_000_000_000n)).toBe('2018-01-02T14:30:00.000Z');
  });

  it('prints nine fractional digits when the timestamp has sub-millisecond digits', () => {
    expect(formatTimestampNs(1_514_903_400_000_000_001n)).toBe('2018-01-02T14:30:00.000000001Z');
    expect(formatTimestampNs(1_514_903_400_123_456_789n)).toBe('2018-01-02T14:30:00.123456789Z');
  });

  it('rounds toward minus infinity before 1970, so the text is the same instant', () => {
    expect(formatTimestampNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatTimestampNs(-1_000_000n)).toBe('1969-12-31T23:59:59.999Z');
  });
});
