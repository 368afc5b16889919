/**
 * Worker-thread entry of parallel ingest (built to `dist/ingest-worker.js`, run by piscina): reads one
 * input file and returns its per-symbol typed arrays with their ArrayBuffers transferred, not copied.
 */

import { Piscina } from 'piscina';
import { type FileTaskResult, type ReadFileTask, runFileTask, transferListOf } from './read-input-file.js';

/** piscina task: one file -> {@link FileTaskResult}, buffers moved to the main thread. */
export default async function ingestWorkerTask(task: ReadFileTask): Promise<FileTaskResult> {
  const result = await runFileTask(task);
  if (!result.ok) return result;
  const transferable = {
    [Piscina.transferableSymbol]: transferListOf(result.value),
    [Piscina.valueSymbol]: result,
  };
  return Piscina.move(transferable as never) as unknown as FileTaskResult;
}
