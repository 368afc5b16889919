// Shared benchmark helpers: machine description, timing, result files (JSON + markdown table).
// Every suite writes bench/results/<suite>.json and bench/results/<suite>.md naming machine, data and peer.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DATA = join(REPO, '..', 'shared', 'data');
export const RESULTS = join(REPO, 'bench', 'results');

/** CPU model, cores, memory, OS, Node version: the machine a result was measured on. */
export function machine() {
  let disk = 'unknown';
  try {
    disk = execFileSync('df', ['-h', REPO], { encoding: 'utf8' }).trim().split('\n').pop();
  } catch {}
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    disk,
    date: new Date().toISOString(),
  };
}

/** Peak RSS (VmHWM), current RSS, RssAnon and RssFile of this process in bytes (Linux /proc). */
export function memory() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? -1) * 1024;
  return {
    peakRssBytes: kib('VmHWM'),
    rssBytes: kib('VmRSS'),
    rssAnonBytes: kib('RssAnon'),
    rssFileBytes: kib('RssFile'),
  };
}

/** Runs fn `repeat` times (after `warmup` runs) and returns the median wall time in ms and the last result. */
export async function timeIt(fn, { repeat = 5, warmup = 1 } = {}) {
  let result;
  for (let i = 0; i < warmup; i++) result = await fn();
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], minMs: times[0], maxMs: times.at(-1), result };
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(x, digits = 0) {
  return Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : String(x);
}

/**
 * Writes bench/results/<suite>.json and .md atomically. `tables` is a list of
 * { title, data, peer, columns: [..], rows: [[..]], notes?: [..] }.
 */
export function writeResults(suite, { summary, tables, raw }) {
  mkdirSync(RESULTS, { recursive: true });
  const m = machine();
  const doc = { suite, machine: m, summary, tables, raw };
  const md = [
    `# Benchmark: ${suite}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${m.date}`,
    '',
  ];
  if (summary) md.push(summary, '');
  for (const t of tables) {
    md.push(`## ${t.title}`, '', `Data: ${t.data}`, '', `Peer: ${t.peer}`, '');
    md.push(`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`);
    for (const r of t.rows) md.push(`| ${r.join(' | ')} |`);
    md.push('');
    for (const n of t.notes ?? []) md.push(`- ${n}`);
    if (t.notes?.length) md.push('');
  }
  for (const [ext, text] of [
    ['json', `${JSON.stringify(doc, null, 2)}\n`],
    ['md', md.join('\n')],
  ]) {
    const path = join(RESULTS, `${suite}.${ext}`);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
  console.log(md.join('\n'));
}
