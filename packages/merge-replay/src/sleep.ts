/**
 * Resolves after `delayMs` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * Uses the global `setTimeout`, so fake timers apply.
 *
 * @internal
 */
export function sleepMs(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
