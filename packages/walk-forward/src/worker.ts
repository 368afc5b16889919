/**
 * Worker entry of the walk-forward pool (piscina). Built to `dist/worker.js`.
 *
 * Each worker keeps one mapped panel per source: it opens the dataset (or the panel file) itself, so the
 * prices are shared through the OS page cache and never copied through messages.
 *
 * @module
 */
import { threadId } from 'node:worker_threads';
import { ColumnFile, Dataset } from '@mmtape/columnar-format';
import { buildPanel } from './build-panel.js';
import { InvalidInputError } from './errors.js';
import type { EnvProbeResult, PanelSource, WorkerResult, WorkerTask } from './pair-scan-task.js';
import { panelDigest } from './panel-digest.js';
import { PairScanScratch, scanPairs } from './select-pairs.js';
import { THREAD_LIMIT_ENV } from './thread-limits.js';
import { filledTrainingPrices } from './training-window.js';

const panels = new Map<string, { symbols: string[]; closes: Float64Array[] }>();
const scratch = new PairScanScratch();

function loadPanel(source: PanelSource): { symbols: string[]; closes: Float64Array[] } {
  const key = source.kind === 'dataset' ? `d:${source.dir}:${source.panelDigest}` : `f:${source.path}`;
  const cached = panels.get(key);
  if (cached) return cached;
  let panel: { symbols: string[]; closes: Float64Array[] };
  if (source.kind === 'dataset') {
    const built = buildPanel(
      Dataset.open(source.dir, { verify: source.panelOptions.verify ?? true }),
      source.panelOptions,
    );
    const digest = panelDigest(built);
    if (digest !== source.panelDigest) {
      throw new InvalidInputError(
        `worker panel rebuilt from ${source.dir}`,
        `digest ${source.panelDigest} (the main thread's panel)`,
        digest,
      );
    }
    panel = built;
  } else {
    const file = ColumnFile.open(source.path);
    const closes: Float64Array[] = [];
    for (let k = 0; k < source.symbolCount; k++) closes.push(file.f64(`c${k}`));
    panel = { symbols: [], closes };
  }
  panels.set(key, panel);
  return panel;
}

/** Runs one {@link WorkerTask}. */
export default function runTask(task: WorkerTask): WorkerResult {
  if (task.kind === 'env') {
    const env: Record<string, string | undefined> = {};
    for (const k of Object.keys(THREAD_LIMIT_ENV)) env[k] = process.env[k];
    return { threadId, env } satisfies EnvProbeResult;
  }
  const panel = loadPanel(task.source);
  const series = task.eligible.map((i) =>
    filledTrainingPrices(panel.closes[i]!, task.trainStart, task.trainEnd),
  );
  const names = task.names;
  return scanPairs(
    names,
    series,
    0,
    task.trainEnd - task.trainStart,
    task.iStart,
    task.iEnd,
    task.config,
    task.sectorIds,
    scratch,
  );
}
