/**
 * What a BullMQ job of a cluster walk-forward carries, and the queue settings shared by producer and
 * workers.
 *
 * @module
 */
import type { BuildPanelOptions } from '../build-panel.js';
import type { ScanTask } from './scan-task-plan.js';

/** Default BullMQ queue name of cluster walk-forwards. Runs share it: task ids are content addresses. */
export const DEFAULT_QUEUE_NAME = 'mmtape-walk-forward';

/** BullMQ job name of a scan task. */
export const SCAN_JOB_NAME = 'scan';

/** Data of one job: the task, where the worker finds the dataset, and how to build the panel. */
export interface ScanJobData {
  task: ScanTask;
  /** Folder path (shared file system) or pack URL (`file://`, `http(s)://`) given by the producer. */
  dataset: string;
  /** `buildPanel` options of the producer (symbols, price column, verify). */
  panelOptions: BuildPanelOptions;
}

/**
 * The failure message of a task that must not be retried: `<message> [<code>|<kind>]`, so the producer can
 * report the original code and exit with the original kind ({@link parseTaskFailure}).
 */
export function formatTaskFailure(message: string, code: string, kind: string): string {
  return `${message} [${code}|${kind}]`;
}

/** Splits a failure message written by {@link formatTaskFailure}; other messages keep code and kind unset. */
export function parseTaskFailure(reason: string): { message: string; code?: string; kind?: string } {
  const m = /^([\s\S]*) \[(MMTAPE_[A-Z0-9_]+)\|(usage|data|io|internal)\]$/.exec(reason);
  return m ? { message: m[1]!, code: m[2]!, kind: m[3]! } : { message: reason };
}
