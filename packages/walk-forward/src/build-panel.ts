/**
 * Build a {@link PricePanel} from a columnar dataset by replaying it through `@mmtape/merge-replay`.
 *
 * @module
 */
import { type ReplayDatasetSource, replayDataset } from '@mmtape/merge-replay';
import { isMmtapeError, PanelBuildError } from './errors.js';
import type { PricePanel } from './price-panel.js';

/** Options of {@link buildPanel}. */
export interface BuildPanelOptions {
  /** Symbols to include. Default: every symbol of the dataset. */
  symbols?: readonly string[];
  /** f64 column of the traded price. Default `'close'` (e.g. `'adjusted_close'` for split-adjusted data). */
  column?: string;
  /** f64 column of open prices to read as well (for fills at the open), e.g. `'open'`. Default none. */
  openColumn?: string;
  /**
   * Verified reads of the replay (`ReplayOptions.verify` of `@mmtape/merge-replay`): each block of `ts`
   * and the price columns is checked against its checksum before it is read. Default `true`. Workers that
   * rebuild the panel open the dataset with the same setting.
   */
  verify?: boolean;
}

/**
 * Replay `dataset` in timestamp order (`replayDataset`, one batch per distinct timestamp) and build the
 * union timeline with aligned values of `column` (and `openColumn`), NaN where a symbol has no row. No
 * symbol is dropped: whether a symbol may be traded is decided per window from its training data (see
 * `isEligibleForTraining`), never from the whole sample. If a symbol has several rows with one timestamp,
 * the last wins.
 *
 * Accepts a `Dataset` from `@mmtape/columnar-format` (or anything satisfying merge-replay's
 * `ReplayDatasetSource`). Files are opened through the dataset and not closed here.
 *
 * @throws PanelBuildError wrapping a merge-replay / columnar-format error (unknown symbol, missing column,
 *   unsorted timestamps), with the dataset directory as `path` and the original as `cause`.
 */
export function buildPanel(dataset: ReplayDatasetSource, options: BuildPanelOptions = {}): PricePanel {
  const column = options.column ?? 'close';
  const openColumn = options.openColumn;
  const columns = openColumn && openColumn !== column ? [column, openColumn] : [column];
  let opens: Float64Array[] = [];
  let timestamps = new BigInt64Array(1024);
  let values: Float64Array[] = [];
  let symbols: string[] = [];
  let count = 0;
  try {
    replayDataset(dataset, { symbols: options.symbols, columns, verify: options.verify }, (batch, ctx) => {
      if (count === 0 && symbols.length === 0) {
        symbols = [...ctx.symbols];
        values = symbols.map(() => new Float64Array(timestamps.length).fill(Number.NaN));
        if (openColumn) opens = symbols.map(() => new Float64Array(timestamps.length).fill(Number.NaN));
      }
      if (count === timestamps.length) {
        const grown = new BigInt64Array(timestamps.length * 2);
        grown.set(timestamps);
        timestamps = grown;
        const grow = (v: Float64Array): Float64Array => {
          const g = new Float64Array(grown.length).fill(Number.NaN);
          g.set(v);
          return g;
        };
        values = values.map(grow);
        opens = opens.map(grow);
      }
      timestamps[count] = batch.timestampNs;
      const data = ctx.columns[column]!;
      const openData = openColumn ? ctx.columns[openColumn]! : null;
      for (let i = 0; i < batch.length; i++) {
        const id = batch.symbolIds[i]!;
        values[id]![count] = Number(data[id]![batch.rows[i]!]!);
        if (openData) opens[id]![count] = Number(openData[id]![batch.rows[i]!]!);
      }
      count++;
    });
  } catch (e) {
    const path = (dataset as { dir?: string }).dir ?? '';
    throw new PanelBuildError(
      `buildPanel: replaying ${path || 'dataset'} failed: ${isMmtapeError(e) ? `${e.code}: ` : ''}${(e as Error)?.message ?? String(e)}`,
      path,
      { cause: e },
    );
  }
  if (symbols.length === 0) symbols = [...(options.symbols ?? dataset.symbols)].sort();

  // Keep timestamps where at least one symbol has a price.
  const rows: number[] = [];
  for (let t = 0; t < count; t++) {
    if (values.some((v) => Number.isFinite(v[t]!))) rows.push(t);
  }
  const timestampsNs = new BigInt64Array(rows.length);
  rows.forEach((t, k) => {
    timestampsNs[k] = timestamps[t]!;
  });
  const pick = (src: Float64Array): Float64Array => {
    const out = new Float64Array(rows.length);
    rows.forEach((t, k) => {
      out[k] = src[t]!;
    });
    return out;
  };
  const empty = new Float64Array(count);
  const panel: PricePanel = {
    symbols,
    timestampsNs,
    closes: symbols.map((_, i) => pick(values[i] ?? empty)),
  };
  if (openColumn) panel.opens = symbols.map((_, i) => pick(opens[i] ?? empty));
  return panel;
}
