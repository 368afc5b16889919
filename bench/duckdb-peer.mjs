// The DuckDB peer of the replay benches: the dataset's rows (ts, symbol, close) as one Parquet file, and
// the query a user would run for a full-market replay, `SELECT ts, close FROM parquet ORDER BY ts, symbol`,
// streamed in chunks whose ts and close the consumer reads, as mmtape's consumers do. Used in-process by
// suites/replay.mjs and, one process per run, by suites/replay-cli.mjs (`node bench/duckdb-peer.mjs
// <parquet>` prints {"events","ms"} of one replay).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset } from '../packages/columnar-format/dist/index.js';

/** Writes the rows of dataset `dir` to `parquet` (ts BIGINT, symbol, close DOUBLE) through a CSV in `tmp`. */
export async function writeParquetOf(dir, parquet, tmp) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const dataset = Dataset.open(dir);
  const csv = join(tmp, 'rows.csv');
  const lines = ['ts,symbol,close'];
  for (const symbol of dataset.symbols) {
    for (const file of dataset.openPartitions(symbol)) {
      const ts = file.timestampsNs();
      const close = file.f64('close');
      for (let i = 0; i < ts.length; i++) lines.push(`${ts[i]},${symbol},${close[i]}`);
    }
  }
  dataset.close();
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT ts::BIGINT AS ts, symbol, close::DOUBLE AS close FROM read_csv('${csv}')) TO '${parquet}' (FORMAT PARQUET)`,
  );
  rmSync(csv);
  connection.closeSync?.();
}

/**
 * One replay of `parquet` through `connection`: events read and wall ms from the query to the last chunk.
 * The running sums stay in locals of the loop (a captured `let` would box a heap number per addition).
 */
export async function duckdbReplayOnce(connection, parquet) {
  const t0 = performance.now();
  const result = await connection.stream(`SELECT ts, close FROM '${parquet}' ORDER BY ts, symbol`);
  let n = 0;
  let checksum = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk !== null && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const ts = chunk.getColumnValues(0);
    const close = chunk.getColumnValues(1);
    for (let k = 0; k < ts.length; k++) {
      checksum += close[k];
      n += ts[k] === undefined ? 0 : 1; // read ts too, as the mmtape consumer does
    }
  }
  const ms = performance.now() - t0;
  if (Number.isNaN(checksum)) console.log('(NaN in close)');
  return { events: n, ms };
}

// `node bench/duckdb-peer.mjs <parquet>`: one replay in a fresh process, as a one-shot command runs.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  console.log(JSON.stringify(await duckdbReplayOnce(connection, process.argv[2])));
  connection.closeSync?.();
}
