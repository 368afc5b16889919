import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliUsageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';

/** What `mmtape bench` returns. */
export interface BenchResult {
  repo: string;
  suites: string[];
  exitCode: number;
  resultsDir: string;
}

function isRepo(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
    return pkg.name === 'mmtape-monorepo' && existsSync(join(dir, 'bench', 'run.mjs'));
  } catch {
    return false;
  }
}

/** The mmtape repository containing `start` (the working directory or one of its parents), or undefined. */
export function findRepo(start = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (isRepo(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Runs `mmtape bench [suite...]`: the repository's benchmark runner (`bench/run.mjs`), each suite in its
 * own process; results land in `bench/results/`. Only works inside a clone of the mmtape repository.
 * @throws CliUsageError outside the repository or for an unknown suite.
 */
export function runBench(suites: readonly string[], ctx: CommandContext, cwd = process.cwd()): BenchResult {
  const repo = findRepo(cwd);
  if (!repo) {
    throw new CliUsageError(
      `${cwd} is not inside the mmtape repository; mmtape bench runs the repository's benchmark suites: run it inside a clone (after pnpm install && pnpm build)`,
    );
  }
  const available = readdirSync(join(repo, 'bench', 'suites'))
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => f.slice(0, -4))
    .sort();
  const unknown = suites.filter((s) => !available.includes(s));
  if (unknown.length > 0) {
    throw new CliUsageError(
      `unknown bench suite(s) ${unknown.join(', ')}; available: ${available.join(', ')}`,
    );
  }
  const chosen = suites.length > 0 ? [...suites] : available;
  const silent = Boolean(ctx.options.json || ctx.options.quiet);
  const r = spawnSync(process.execPath, [join(repo, 'bench', 'run.mjs'), ...chosen], {
    cwd: repo,
    stdio: silent ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  const exitCode = r.status ?? 1;
  if (exitCode !== 0) {
    throw Object.assign(new Error(`bench failed (runner exit code ${exitCode}); see the output above`), {
      code: 'BENCH_FAILED',
    });
  }
  const resultsDir = join(repo, 'bench', 'results');
  ctx.say(`bench results in ${resultsDir}`);
  return { repo, suites: chosen, exitCode, resultsDir };
}
