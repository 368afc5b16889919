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
import { errorJsonOf } from '@mmtape/errors';
import { buildPanel } from './build-panel.js';
import { runScanTask } from './cluster/run-scan-task.js';
import { DatasetMismatchError, InvalidInputError } from './errors.js';
import type {
  ClusterScanThreadResult,
  ClusterScanThreadTask,
  EnvProbeResult,
  PanelSource,
  WorkerResult,
  WorkerTask,
} from './pair-scan-task.js';
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

/** Closes per dataset folder, panel options and digest: built once per thread. */
const clusterPanels = new Map<string, Float64Array[]>();

function runClusterScan(message: ClusterScanThreadTask): ClusterScanThreadResult {
  try {
    const { task } = message;
    const key = JSON.stringify([message.datasetDir, message.panelOptions, task.datasetDigest]);
    let closes = clusterPanels.get(key);
    if (!closes) {
      const dataset = Dataset.open(message.datasetDir, { verify: message.panelOptions.verify ?? true });
      try {
        const built = buildPanel(dataset, { ...message.panelOptions, openColumn: undefined });
        const digest = panelDigest(built);
        if (digest !== task.datasetDigest) {
          throw new DatasetMismatchError(message.datasetLabel, task.datasetDigest, digest);
        }
        closes = built.closes;
      } finally {
        dataset.close();
      }
      clusterPanels.set(key, closes);
    }
    return { ok: true, result: runScanTask(task, closes, scratch) };
  } catch (error) {
    return { ok: false, error: errorJsonOf(error) };
  }
}

/** Runs one {@link WorkerTask}. */
export default function runTask(task: WorkerTask): WorkerResult {
  if (task.kind === 'cluster-scan') return runClusterScan(task);
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
