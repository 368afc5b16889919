import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type CollectGenerationsReport,
  CURRENT_FILE_NAME,
  collectGenerations,
} from '@mmtape/columnar-format';
import { CliUsageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';

/** What `mmtape gc` returns: the collector's report plus whether anything was actually removed. */
export interface GcResult extends CollectGenerationsReport {
  /** `true` with `--dry-run`: `removedGenerations`/`removedTemp` list what would be removed. */
  dryRun: boolean;
}

/** Names a dataset folder may hold (FORMAT.md, "Dataset folder"): pointer, generations, writers' temp names. */
const LAYOUT_NAME = /^(CURRENT|CURRENT\.tmp-.+|gen-.+|\.tmp-.+)$/;

/**
 * Runs `mmtape gc <dataset>`: removes superseded generations that no live process leases, stale lease
 * files, and temp folders/files of writers that are no longer running (killed ingests or hydrates).
 * The current generation and every leased one are kept.
 * @throws CliUsageError when `dir` is not a dataset folder (no `CURRENT` and names the layout does not use).
 */
export function runGc(dir: string, options: { dryRun?: boolean }, ctx: CommandContext): GcResult {
  const datasetDir = resolve(dir);
  if (!existsSync(datasetDir) || !statSync(datasetDir).isDirectory()) {
    throw new CliUsageError(`${dir} is not a dataset folder (it does not exist)`);
  }
  const names = readdirSync(datasetDir);
  if (!existsSync(join(datasetDir, CURRENT_FILE_NAME)) && !names.every((n) => LAYOUT_NAME.test(n))) {
    throw new CliUsageError(
      `${dir} is not a dataset folder (no ${CURRENT_FILE_NAME}, and it holds files mmtape did not write); nothing removed`,
    );
  }
  const dryRun = options.dryRun ?? false;
  const report = collectGenerations(datasetDir, { dryRun });
  const verb = dryRun ? 'would remove' : 'removed';
  ctx.say(`dataset   ${datasetDir} (current generation ${report.current ?? 'none: nothing published'})`);
  ctx.say(
    `${verb} ${report.removedGenerations.length} superseded generation(s)${report.removedGenerations.length > 0 ? `: ${report.removedGenerations.join(', ')}` : ''}`,
  );
  ctx.say(
    `${verb} ${report.removedTemp.length} temp folder(s) of writers no longer running${report.removedTemp.length > 0 ? `: ${report.removedTemp.join(', ')}` : ''}`,
  );
  for (const k of report.keptGenerations) {
    ctx.say(
      `kept      ${k.generation}: ${k.liveLeases > 0 ? `${k.liveLeases} live reader lease(s)` : 'another gc is removing it'}`,
    );
  }
  return { ...report, dryRun };
}
