// One-shot replay, as a user runs it: `mmtape replay <dataset> --json` in a fresh node process per run,
// against DuckDB in a fresh process per run (`node bench/duckdb-peer.mjs <parquet>`, the same query and
// consumer as the replay suite's peer). The replay suite measures a warm process (best of 5 after an
// untimed replay); this one pays what a command pays: module loading, JIT warm-up while opening 3,000
// symbols, first-touch memory. Rounds are interleaved (round k runs each command once), so load changes
// hit all alike; medians of the rounds.
// Data: seeded synthetic bars and ticks (bench/synthetic.mjs, seed 42), 3,000 symbols × REPLAY_CLI_ROWS
// (default 2,000) rows, in segment files (the layout `mmtape ingest` writes), warm in the page cache.
// Env: REPLAY_CLI_RUNS (rounds, default 8), REPLAY_CLI_ROWS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeParquetOf } from '../duckdb-peer.mjs';
import { fmt, REPO, writeResults } from '../lib.mjs';
import { writeSyntheticDataset } from '../synthetic.mjs';

const RUNS = Number(process.env.REPLAY_CLI_RUNS ?? 8);
const ROWS = Number(process.env.REPLAY_CLI_ROWS ?? 2000);
const SYMBOLS = 3000;
const bin = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
const peer = join(REPO, 'bench', 'duckdb-peer.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'mmtape-bench-replay-cli-'));

/** Runs `node <args>`; wall ms from spawn to exit and the JSON it printed. Throws when it fails. */
function runOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, out: JSON.parse(r.stdout) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const rows = [];
const raw = [];
try {
  for (const kind of ['bars', 'ticks']) {
    const dir = join(tmp, kind);
    writeSyntheticDataset(dir, {
      symbols: SYMBOLS,
      rowsPerSymbol: ROWS,
      kind,
      seed: 42,
      segmentBytes: 'auto',
    });
    const parquet = join(tmp, `${kind}.parquet`);
    await writeParquetOf(dir, parquet, tmp);
    const commands = [
      { name: 'mmtape', args: [bin, 'replay', dir, '--json'] },
      { name: 'duckdb', args: [peer, parquet] },
    ];
    for (const c of commands) runOnce(c.args); // warm-up: page cache of node, the modules and the data
    const runs = Object.fromEntries(commands.map((c) => [c.name, []]));
    for (let k = 0; k < RUNS; k++) for (const c of commands) runs[c.name].push(runOnce(c.args));
    const events = SYMBOLS * ROWS;
    for (const c of commands) {
      for (const r of runs[c.name]) {
        if (r.out.events !== events) {
          throw new Error(`${c.name} replayed ${r.out.events} events of ${kind}, expected ${events}`);
        }
        if (c.name !== 'duckdb' && r.out.ordered !== true) throw new Error(`${c.name}: order not checked`);
      }
    }
    const wall = (name) => median(runs[name].map((r) => r.wallMs));
    const inside = (name) => median(runs[name].map((r) => r.out.elapsedMs ?? r.out.ms));
    const open = (name) => median(runs[name].map((r) => r.out.openMs));
    const data = `synthetic ${kind}, ${SYMBOLS.toLocaleString('en-US')} symbols × ${ROWS.toLocaleString('en-US')} rows (seed 42), segments`;
    const row = (name, label) => [
      data,
      label,
      fmt(wall(name), 0),
      fmt(inside(name), 0),
      name === 'duckdb' ? '-' : fmt(open(name), 0),
      fmt(events / inside(name) / 1000, 2),
      fmt(events / wall(name) / 1000, 2),
      name === 'duckdb' ? '-' : `${fmt(wall('duckdb') / wall(name), 2)}×`,
    ];
    rows.push(row('mmtape', '`mmtape replay --json`'));
    rows.push(row('duckdb', '`node bench/duckdb-peer.mjs` (DuckDB)'));
    raw.push({ kind, events, runs });
    rmSync(dir, { recursive: true, force: true });
    rmSync(parquet, { force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1));
writeResults('replay-cli', {
  summary: `One-shot full-market replay as a command, ${RUNS} interleaved rounds (fresh node process per run), medians. Command: \`pnpm build && pnpm bench replay-cli\` (env \`REPLAY_CLI_RUNS\`, \`REPLAY_CLI_ROWS\`). "in-process ms" is mmtape's own \`elapsedMs\` (from the replay call to the last event: opening the symbols' files, verified reads, the merge and the consumer; not reading manifest.json or loading modules) and DuckDB's from the query to the last chunk; "wall ms" is spawn to exit. Load average at the end: ${load.join(', ')}.`,
  tables: [
    {
      title: 'One-shot replay, 3,000 symbols (ms and M events/s, medians)',
      data: `synthetic bars and ticks (bench/synthetic.mjs, seed 42), ${SYMBOLS} × ${ROWS} rows, segment files, warm page cache`,
      peer: 'DuckDB (@duckdb/node-api) in a fresh process: `SELECT ts, close FROM parquet ORDER BY ts, symbol`, streamed chunks whose ts and close are read in JS',
      columns: [
        'data',
        'command',
        'wall ms',
        'in-process ms',
        'opening files, ms',
        'M events/s (in-process)',
        'M events/s (wall)',
        'DuckDB wall / this wall',
      ],
      rows,
      notes: [
        'mmtape replay checks the order of every event and sums close (its JSON `ordered`, `columnSum`); verified reads (the default) and memory sampling (the CLI default) are on',
        'the replay suite (bench/results/replay.md) gives the same data in a warm process, best of 5',
      ],
    },
  ],
  raw: { runs: RUNS, rowsPerSymbol: ROWS, loadAverage: load, data: raw },
});
