// Opt-in benchmark: zstd level 3 on the raw bytes of a Float64Array of daily closes.
// Usage (after `pnpm --filter @mmtape/compression build`):
//   node packages/compression/bench/zstd-closes.mjs [path/to/SYMBOL_data.csv]
import { readFileSync } from 'node:fs';

const { encodeFrame, decodeFrame } = await import('../dist/index.js');
const csv = readFileSync(
  process.argv[2] ?? '/work/shared/data/sp500-5yr-daily/individual_stocks_5yr/AAPL_data.csv',
  'utf8',
)
  .trim()
  .split('\n');
const header = csv[0].split(',');
const col = header.indexOf('close');
const closes = Float64Array.from(csv.slice(1), (line) => Number(line.split(',')[col]));
const raw = new Uint8Array(closes.buffer);
const frame = await encodeFrame(raw, { level: 3 }); // warm-up (loads wasm)
await decodeFrame(frame);
const time = async (fn, minMs = 2000) => {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (performance.now() - t0) / n;
};
const encMs = await time(() => encodeFrame(raw, { level: 3 }));
const decMs = await time(() => decodeFrame(frame));
const mb = raw.byteLength / 1e6;
console.log(
  JSON.stringify(
    {
      rows: closes.length,
      rawBytes: raw.byteLength,
      frameBytes: frame.byteLength,
      payloadBytes: frame.byteLength - 24,
      ratio: +(raw.byteLength / frame.byteLength).toFixed(3),
      encodeMBps: +(mb / (encMs / 1000)).toFixed(1),
      decodeMBps: +(mb / (decMs / 1000)).toFixed(1),
      encodeMsPerCall: +encMs.toFixed(4),
      decodeMsPerCall: +decMs.toFixed(4),
      note:
        'MB = 1e6 bytes of raw input; timings include frame header + CRC-32; single call, Node ' +
        process.version,
    },
    null,
    1,
  ),
);
