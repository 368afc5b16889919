import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CURRENT_FILE_NAME, Dataset, isMmtapeError } from '@mmtape/columnar-format';
import { PACK_INDEX_FILE, verifyPackedDataset } from '@mmtape/columnar-format/pack';
import { MmtapeError } from '@mmtape/errors';
import { CliUsageError } from '../cli-error.js';
import { type CommandContext, settingsOf } from '../context.js';
import { formatBytes } from '../format-bytes.js';

/** One problem found by `mmtape verify`. */
export interface VerifyProblem {
  /** File (segment member `<segment>@<offset>`, or path inside a pack) concerned. */
  path: string;
  /** Error code, e.g. `MMTAPE_FORMAT_BLOCK_CHECKSUM_MISMATCH`, `MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH`, `MMTAPE_DATASET_MISMATCH`, `MMTAPE_PACK_CORRUPT`. */
  code: string;
  message: string;
  /** Symbol of the partition (datasets). */
  symbol?: string;
  /** Column, block index (from 0) and byte range `[startBytes, endBytes)` of a bad block (datasets). */
  column?: string;
  blockIndex?: number;
  startBytes?: number;
  endBytes?: number;
  /** Stored vs computed XXH64 of a bad block, 16 hex digits. */
  expected?: string;
  actual?: string;
  /** Chunk index of a frame that fails to decode (packs). */
  chunk?: number;
}

/** What `mmtape verify` prints (with `--json`, as one document). */
export interface VerifyCommandResult {
  path: string;
  kind: 'dataset' | 'pack';
  /** True when nothing is wrong (exit 0); else the command exits 2 after printing every problem. */
  ok: boolean;
  /** Column files (segment members) checked. */
  files: number;
  /** Column bytes hashed (datasets). */
  bytesChecked: number;
  /** Frames decoded (packs). */
  chunks: number;
  problems: VerifyProblem[];
}

/**
 * `mmtape verify` found problems: a data error (exit 2). Thrown after the report was printed, so the
 * message only summarises it.
 */
export class VerifyFailedError extends MmtapeError {
  readonly code = 'MMTAPE_VERIFY_FAILED' as const;
  readonly kind = 'data' as const;
  readonly path: string;
  readonly problems: number;
  constructor(path: string, problems: number) {
    super(`verify: ${problems} problem${problems === 1 ? '' : 's'} in ${path} (listed above)`);
    this.path = path;
    this.problems = problems;
  }
}

/**
 * Runs `mmtape verify <dataset|pack>`: a dataset (folder with a CURRENT generation pointer) has every partition's header
 * checksum, manifest entry and every block of every column checked; a pack (folder with pack.json) has
 * every frame decoded (CRC-32) and every rebuilt file compared with its SHA-256. Every problem is listed,
 * not only the first. The caller exits 2 when `ok` is false ({@link VerifyFailedError}).
 * @throws CliUsageError when `target` is neither a dataset nor a pack.
 */
export async function runVerify(target: string, ctx: CommandContext): Promise<VerifyCommandResult> {
  if (existsSync(join(target, CURRENT_FILE_NAME))) return verifyDataset(target, ctx);
  if (existsSync(join(target, PACK_INDEX_FILE))) return verifyPack(target, ctx);
  throw new CliUsageError(
    `${target} is neither a dataset folder (${CURRENT_FILE_NAME}) nor a packed dataset (${PACK_INDEX_FILE})`,
  );
}

function verifyDataset(dir: string, ctx: CommandContext): VerifyCommandResult {
  const result: VerifyCommandResult = {
    path: dir,
    kind: 'dataset',
    ok: true,
    files: 0,
    bytesChecked: 0,
    chunks: 0,
    problems: [],
  };
  let dataset: Dataset;
  try {
    dataset = Dataset.open(dir, { forceFallback: settingsOf(ctx).forceFallback, verify: true });
  } catch (e) {
    if (!isMmtapeError(e)) throw e;
    result.problems.push({
      path: (e as { path?: string }).path ?? join(dir, CURRENT_FILE_NAME),
      code: e.code,
      message: e.message,
    });
    return finish(result, ctx);
  }
  try {
    const report = dataset.findCorruption();
    result.files = report.files;
    result.bytesChecked = report.bytesChecked;
    for (const p of report.problems) {
      const b = p.block;
      result.problems.push({
        path: p.path,
        code: p.code,
        message: p.message,
        symbol: p.symbol,
        ...(b
          ? {
              column: b.column,
              blockIndex: b.blockIndex,
              startBytes: b.startBytes,
              endBytes: b.endBytes,
              expected: b.expected,
              actual: b.actual,
            }
          : {}),
      });
    }
  } finally {
    dataset.close();
  }
  return finish(result, ctx);
}

async function verifyPack(dir: string, ctx: CommandContext): Promise<VerifyCommandResult> {
  const report = await verifyPackedDataset(resolve(dir));
  return finish(
    {
      path: dir,
      kind: 'pack',
      ok: true,
      files: report.files + report.otherFiles,
      bytesChecked: 0,
      chunks: report.chunks,
      problems: report.problems.map((p) => ({
        path: p.path,
        code: p.code,
        message: p.message,
        ...(p.chunk !== undefined ? { chunk: p.chunk } : {}),
      })),
    },
    ctx,
  );
}

function finish(result: VerifyCommandResult, ctx: CommandContext): VerifyCommandResult {
  result.ok = result.problems.length === 0;
  for (const p of result.problems) ctx.say(`BAD  ${p.message} [${p.code}]`);
  const what =
    result.kind === 'dataset'
      ? `${result.files} files, ${formatBytes(result.bytesChecked)} of columns`
      : `${result.files} files, ${result.chunks} chunks`;
  ctx.say(
    result.ok
      ? `${result.path}: ${result.kind} OK (${what} checked)`
      : `${result.path}: ${result.problems.length} problem(s) in ${result.kind} (${what} checked)`,
  );
  return result;
}
