// Opt-in A/B micro-benchmark: bar-frame decode MB/s (decodeBarsInto) of another build (a built checkout
// at BENCH_BASELINE_ROOT) vs this one on the same frames, per decode backend, builds and backends
// alternating for 25 rounds after one warm-up; prints the best and the median of each (on a loaded
// machine compare medians). Also checks that both builds write byte-identical bar frames.
// Usage (after `pnpm --filter @mmtape/compression build`):
//   BENCH_BASELINE_ROOT=/path/to/other/checkout node packages/compression/bench/bar-decode-ab.mjs <folder of *.csv>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const A = await import(join(process.env.BENCH_BASELINE_ROOT, 'packages/compression/dist/index.js'));
const B = await import(new URL('../dist/index.js', import.meta.url).href);
const dir = process.argv[2];
const K = ['open', 'high', 'low', 'close', 'volume'];
const cols = K.map(() => []);
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.csv'))
  .sort()) {
  const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const idx = K.map((k) => head.indexOf(k));
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    for (let j = 0; j < K.length; j++) cols[j].push(c[idx[j]] === '' ? NaN : Number(c[idx[j]]));
  }
}
const all = Object.fromEntries(K.map((k, j) => [k, Float64Array.from(cols[j])]));
const n = all.open.length,
  CH = 65536;
const chunks = [];
for (let i = 0; i < n; i += CH)
  chunks.push(Object.fromEntries(K.map((k) => [k, all[k].subarray(i, i + CH)])));
const fa = (await Promise.all(chunks.map((c) => A.encodeBars(c)))).filter(Boolean);
const fb = (await Promise.all(chunks.map((c) => B.encodeBars(c)))).filter(Boolean);
const same = fa.every((f, i) => Buffer.compare(f, fb[i]) === 0);
const bytes = fa.reduce((s, f) => s + f.length, 0),
  raw = fa.reduce((s, f) => s + A.readFrameHeader(f).rawLengthBytes, 0);
const out = Object.fromEntries(K.map((k) => [k, new Float64Array(CH)]));
const t = { base: {}, now: {} };
for (const be of ['native', 'wasm', 'js']) {
  t.base[be] = [];
  t.now[be] = [];
}
for (let r = 0; r < 26; r++)
  for (const be of ['native', 'wasm', 'js'])
    for (const [name, L, fr] of [
      ['base', A, fa],
      ['now', B, fb],
    ]) {
      L.setDecodeBackend(be);
      const t0 = process.hrtime.bigint();
      for (const f of fr) L.decodeBarsInto(f, out);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r > 0) t[name][be].push(ms);
    }
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(
  `${dir}: ${fa.length} frames, ${n} rows, ratio ${(raw / bytes).toFixed(4)}, frames byte-identical: ${same}`,
);
for (const be of ['native', 'wasm', 'js']) {
  const mb = (ms) => (raw / 1e6 / (ms / 1000)).toFixed(0);
  const [ba, na] = [Math.min(...t.base[be]), Math.min(...t.now[be])];
  const [bm, nm] = [med(t.base[be]), med(t.now[be])];
  console.log(
    `${be}: best MB/s baseline ${mb(ba)} this ${mb(na)} (x${(ba / na).toFixed(3)}); median baseline ${mb(bm)} this ${mb(nm)} (x${(bm / nm).toFixed(3)})`,
  );
}
