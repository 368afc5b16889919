import type { Advice } from '@mmtape/mmap-core';
import { mulberry32 } from '@mmtape/test-utils';
import type { Advisable } from '../src/index.js';

export { mulberry32 };

/** One recorded `advise` call. */
export interface AdviceCall {
  advice: Advice;
  offsetBytes: number;
  lengthBytes: number;
}

/** A recording fake {@link Advisable}: stores every call, optionally forwarding to a real file. */
export class RecordingFile implements Advisable {
  readonly calls: AdviceCall[] = [];
  readonly byteLength: number;
  readonly #inner: Advisable | undefined;

  constructor(byteLength: number, inner?: Advisable) {
    this.byteLength = byteLength;
    this.#inner = inner;
  }

  advise(advice: Advice, offsetBytes: number, lengthBytes: number): void {
    this.calls.push({ advice, offsetBytes, lengthBytes });
    this.#inner?.advise(advice, offsetBytes, lengthBytes);
  }

  /** Calls recorded since the last `take()`, as `[advice, offset, length]` tuples. */
  take(): [Advice, number, number][] {
    const taken = this.calls
      .splice(0)
      .map((c): [Advice, number, number] => [c.advice, c.offsetBytes, c.lengthBytes]);
    this.#all.push(...taken);
    return taken;
  }

  /** Every call ever taken or pending. */
  all(): [Advice, number, number][] {
    this.take();
    return [...this.#all];
  }

  readonly #all: [Advice, number, number][] = [];
}
