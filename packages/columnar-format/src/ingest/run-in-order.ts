/**
 * Scheduler of parallel ingest: tasks pulled by lanes (the main thread and worker threads), results
 * handed over strictly in task order so the output never depends on which lane finishes first.
 */

/** Runs task `index` on one lane; a lane runs one task at a time. */
export type Lane<R> = (index: number) => Promise<R>;

/**
 * Runs tasks `0 .. count - 1` on `lanes` and calls `onResult` for each result in index order. A free lane
 * takes the lowest index not yet started, so lanes stay busy whatever their speed; a task is started
 * only while it is fewer than `windowTasks` tasks ahead of the next result to hand over, which bounds the
 * results held in memory. `onResult` may be async (it is awaited; lanes keep running meanwhile). When
 * `onResult` throws (or a lane rejects) no further task is started, the
 * tasks in progress are awaited, and the error is rethrown.
 * @param windowTasks tasks, >= 1.
 */
export async function runInOrder<R>(
  count: number,
  lanes: readonly Lane<R>[],
  windowTasks: number,
  onResult: (index: number, result: R) => void | Promise<void>,
): Promise<void> {
  const results = new Map<number, R>();
  let next = 0;
  let handedOver = 0;
  let stopped = false;
  let laneError: { error: unknown } | undefined;
  let waiters: (() => void)[] = [];
  const notify = (): void => {
    const w = waiters;
    waiters = [];
    for (const wake of w) wake();
  };
  const changed = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));

  const drive = async (lane: Lane<R>): Promise<void> => {
    for (;;) {
      while (!stopped && next < count && next >= handedOver + windowTasks) await changed();
      if (stopped || next >= count) return;
      const index = next++;
      try {
        results.set(index, await lane(index));
      } catch (error) {
        laneError ??= { error };
        stopped = true;
      }
      notify();
    }
  };
  const lanesDone = Promise.all(lanes.map(drive));
  try {
    for (let i = 0; i < count; i++) {
      while (!results.has(i)) {
        if (laneError !== undefined) throw laneError.error;
        await changed();
      }
      const r = results.get(i)!;
      results.delete(i);
      handedOver++;
      notify();
      await onResult(i, r);
    }
  } finally {
    stopped = true;
    notify();
    await lanesDone;
  }
}
