// Start-up of the `mmtape` binary: `node -e 0`, `mmtape --help` and `mmtape --version` measured in one
// interleaved loop (round k runs each command once, in that order), so a machine that gets busier or
// quieter during the run shifts all three alike; the ratios to `node -e 0` are the figure that counts
// (issue target: under 3x). Each run is a fresh `node` process started with spawnSync; wall time from
// spawn to exit. Build first (`pnpm build`): it runs apps/cli/dist/bin.js. `CLI_BASELINE=<path to another
// build's bin.js>` adds that build's `--help` to the same loop (a before/after in one run).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, REPO, writeResults } from '../lib.mjs';

const RUNS = Number(process.env.CLI_RUNS ?? 30);
const bin = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
const commands = [
  { name: '`node -e 0`', args: ['-e', '0'] },
  { name: '`mmtape --help`', args: [bin, '--help'] },
  { name: '`mmtape --version`', args: [bin, '--version'] },
  ...(process.env.CLI_BASELINE
    ? [
        {
          name: `\`mmtape --help\`, baseline build (${process.env.CLI_BASELINE})`,
          args: [process.env.CLI_BASELINE, '--help'],
        },
      ]
    : []),
];

/** Wall time of one run of `node <args>`, ms; throws when it fails. */
function runOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

for (const c of commands) runOnce(c.args); // warm-up: page cache of node, commander and the dist files
const times = commands.map(() => []);
for (let k = 0; k < RUNS; k++) {
  for (const [i, c] of commands.entries()) times[i].push(runOnce(c.args));
}

const stats = times.map((t) => {
  const s = [...t].sort((a, b) => a - b);
  return { medianMs: percentile(s, 0.5), minMs: s[0], p90Ms: percentile(s, 0.9) };
});
const base = stats[0];
const rows = commands.map((c, i) => [
  c.name,
  fmt(stats[i].medianMs, 1),
  fmt(stats[i].minMs, 1),
  fmt(stats[i].p90Ms, 1),
  `${fmt(stats[i].medianMs / base.medianMs, 2)}x`,
  `${fmt(stats[i].minMs / base.minMs, 2)}x`,
  i === 0 ? '-' : stats[i].medianMs / base.medianMs < 3 ? 'yes' : 'no',
]);
const baselineNote = process.env.CLI_BASELINE
  ? `, here ${process.env.CLI_BASELINE}: the build of the commit before the lazy imports`
  : '';
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1));

writeResults('cli', {
  summary: `Start-up of the mmtape CLI against \`node -e 0\` (target: under 3x), ${RUNS} interleaved rounds. Command: \`pnpm build && pnpm bench cli\` (env \`CLI_RUNS\`, default 30; \`CLI_BASELINE\`, another build's bin.js${baselineNote}). Load average at the end of the run: ${load.join(', ')}.`,
  tables: [
    {
      title: 'Start-up time, ms (median, min and 90th percentile of the rounds)',
      data: 'no data: each command is started as a fresh node process and timed from spawn to exit',
      peer: '`node -e 0`, the floor of any Node CLI, measured in the same loop',
      columns: ['command', 'median ms', 'min ms', 'p90 ms', 'median / node -e 0', 'min / node -e 0', '< 3x'],
      rows,
      notes: [
        '`--help` and `--version` load commander and the command table only; every command imports its dependencies inside its action (apps/cli/test/start-up.test.ts checks which modules load)',
        'the machine is shared with other jobs while this runs (see the load average): absolute times are noisy, the ratios measured in one interleaved loop are what counts',
      ],
    },
  ],
  raw: {
    runs: RUNS,
    loadAverage: load,
    times: Object.fromEntries(commands.map((c, i) => [c.name, times[i]])),
  },
});
