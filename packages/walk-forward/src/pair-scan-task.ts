/**
 * Messages between the walk-forward and its workers: only the description of where the data lives, the
 * window, the slice of the pair triangle and the thresholds go to a worker; only counts and passing pairs
 * come back. The prices themselves are never sent: each worker maps the files itself.
 *
 * @module
 */
import type { ErrorJson } from '@mmtape/errors';
import type { BuildPanelOptions } from './build-panel.js';
import type { ScanTask } from './cluster/scan-task-plan.js';
import type { PairScanResult, PairSelectionConfig } from './select-pairs.js';

/**
 * Where a worker finds the panel:
 * - `dataset`: the dataset folder; the worker opens it (`Dataset.open`, mmap), rebuilds the panel with the
 *   same deterministic `buildPanel` and checks its digest against `panelDigest`.
 * - `panel-file`: a column file written once by the main thread (`ts` + one f64 column `c<k>` per panel
 *   symbol); the worker maps it (`ColumnFile.open`) and reads zero-copy views. The OS shares the pages.
 */
export type PanelSource =
  | { kind: 'dataset'; dir: string; panelOptions: BuildPanelOptions; panelDigest: string }
  | { kind: 'panel-file'; path: string; symbolCount: number; panelDigest: string };

/** A slice of one window's pair scan. */
export interface PairScanTask {
  kind: 'scan';
  source: PanelSource;
  /** Panel indices of the window's eligible symbols, in sorted-name order. */
  eligible: number[];
  /** Names of the eligible symbols (same order). */
  names: string[];
  /** Sector id per eligible symbol (−1: none), or null for the all-pairs universe. */
  sectorIds: number[] | null;
  trainStart: number;
  trainEnd: number;
  iStart: number;
  iEnd: number;
  config: PairSelectionConfig;
}

/** Asks a worker for its view of the thread-limit variables (tests, diagnostics). */
export interface EnvProbeTask {
  kind: 'env';
}

/** What a worker reports for an {@link EnvProbeTask}. */
export interface EnvProbeResult {
  threadId: number;
  env: Record<string, string | undefined>;
}

/**
 * A task of a cluster walk-forward (`@mmtape/walk-forward/cluster`): the worker opens the dataset folder
 * `datasetDir` (a shared path or a hydrated pack), builds the panel with `panelOptions`, checks its digest
 * against `task.datasetDigest` and runs the task.
 */
export interface ClusterScanThreadTask {
  kind: 'cluster-scan';
  task: ScanTask;
  datasetDir: string;
  /** What the user gave for the dataset (path or pack URL), for error messages. */
  datasetLabel: string;
  panelOptions: BuildPanelOptions;
}

/**
 * Reply to a {@link ClusterScanThreadTask}. Errors come back as values (`ErrorJson`: code, kind, message,
 * context) because a thrown error loses its code and kind when it crosses the thread boundary.
 */
export type ClusterScanThreadResult = { ok: true; result: PairScanResult } | { ok: false; error: ErrorJson };

/** A message to a walk-forward worker: a slice of pairs to test, or a probe of its environment. */
export type WorkerTask = PairScanTask | EnvProbeTask | ClusterScanThreadTask;
/** A worker's reply to a {@link WorkerTask}. */
export type WorkerResult = PairScanResult | EnvProbeResult | ClusterScanThreadResult;
