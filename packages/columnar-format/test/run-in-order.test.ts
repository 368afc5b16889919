import { describe, expect, it } from 'vitest';
import { runInOrder } from '../src/ingest/run-in-order.js';
import { mulberry32 } from './helpers.js';

describe('runInOrder', () => {
  it('hands results over in index order whatever the lane speed, within the window', async () => {
    const rand = mulberry32(2024);
    const delays = Array.from({ length: 60 }, () => Math.floor(rand() * 8));
    const started: number[] = [];
    const handed: number[] = [];
    let maxAhead = 0;
    const lane = async (i: number) => {
      started.push(i);
      maxAhead = Math.max(maxAhead, i - handed.length);
      await new Promise((r) => setTimeout(r, delays[i]));
      return i * 10;
    };
    await runInOrder(60, [lane, lane, lane], 4, (i, r) => {
      expect(r).toBe(i * 10);
      handed.push(i);
    });
    expect(handed).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(started).toEqual(Array.from({ length: 60 }, (_, i) => i)); // pulled in order
    expect(maxAhead).toBeLessThan(4);
  });

  it('an error in onResult stops new tasks, waits for running ones and is rethrown', async () => {
    const started: number[] = [];
    let running = 0;
    const lane = async (i: number) => {
      started.push(i);
      running++;
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return i;
    };
    const err = await runInOrder(100, [lane, lane], 4, (i) => {
      if (i === 5) throw new Error('boom at 5');
    }).catch((e) => e);
    expect((err as Error).message).toBe('boom at 5');
    expect(running).toBe(0);
    expect(Math.max(...started)).toBeLessThan(10);
  });
});
