/**
 * Build a {@link PricePanel} from a columnar dataset by replaying it through `@mmtape/merge-replay`.
 *
 * @module
 */
import { type ReplayDatasetSource, replayDataset } from '@mmtape/merge-replay';
import { InvalidInputError, isMmtapeError, PanelBuildError } from './errors.js';
import type { PricePanel } from './price-panel.js';

/** Options of {@link buildPanel}. */
export interface BuildPanelOptions {
  /** Symbols to include. Default: every symbol of the dataset. */
  symbols?: readonly string[];
  /** f64 column to read. Default `'close'`. */
  column?: string;
  /**
   * Minimum fraction of the union timeline on which a symbol must have a finite value to be kept,
   * in [0, 1]. Default 0.95: drops late listings and delistings that would shrink every window's universe.
   */
  minCoverage?: number;
  /**
   * Verified reads of the replay (`ReplayOptions.verify` of `@mmtape/merge-replay`): each block of `ts`
   * and `column` is checked against its checksum before it is read. Default `true`. Workers that rebuild
   * the panel open the dataset with the same setting.
   */
  verify?: boolean;
}

/** A symbol removed by {@link buildPanel} for low coverage. */
export interface DroppedSymbol {
  symbol: string;
  /** Fraction of the (pre-drop) union timeline with a finite value. */
  coverage: number;
}

/** {@link PricePanel} plus what {@link buildPanel} dropped. */
export interface BuiltPricePanel extends PricePanel {
  droppedSymbols: DroppedSymbol[];
}

/**
 * Replay `dataset` in timestamp order (`replayDataset`, one batch per distinct timestamp) and build the
 * union timeline with aligned values of `column` (NaN where a symbol has no row). Symbols with
 * coverage < `minCoverage` are dropped and reported; the timeline is then restricted to timestamps where
 * at least one kept symbol has a value. If a symbol has several rows with one timestamp, the last wins.
 *
 * Accepts a `Dataset` from `@mmtape/columnar-format` (or anything satisfying merge-replay's
 * `ReplayDatasetSource`). Files are opened through the dataset and not closed here.
 *
 * @throws InvalidInputError when `minCoverage` is outside [0, 1].
 * @throws PanelBuildError wrapping a merge-replay / columnar-format error (unknown symbol, missing column,
 *   unsorted timestamps), with the dataset directory as `path` and the original as `cause`.
 */
export function buildPanel(dataset: ReplayDatasetSource, options: BuildPanelOptions = {}): BuiltPricePanel {
  const column = options.column ?? 'close';
  const minCoverage = options.minCoverage ?? 0.95;
  if (!(minCoverage >= 0 && minCoverage <= 1)) {
    throw new InvalidInputError('buildPanel minCoverage', 'a number in [0, 1]', minCoverage);
  }
  let timestamps = new BigInt64Array(1024);
  let values: Float64Array[] = [];
  let symbols: string[] = [];
  let count = 0;
  try {
    replayDataset(
      dataset,
      { symbols: options.symbols, columns: [column], verify: options.verify },
      (batch, ctx) => {
        if (count === 0 && symbols.length === 0) {
          symbols = [...ctx.symbols];
          values = symbols.map(() => new Float64Array(timestamps.length).fill(Number.NaN));
        }
        if (count === timestamps.length) {
          const grown = new BigInt64Array(timestamps.length * 2);
          grown.set(timestamps);
          timestamps = grown;
          values = values.map((v) => {
            const g = new Float64Array(grown.length).fill(Number.NaN);
            g.set(v);
            return g;
          });
        }
        timestamps[count] = batch.timestampNs;
        const data = ctx.columns[column]!;
        for (let i = 0; i < batch.length; i++) {
          const id = batch.symbolIds[i]!;
          values[id]![count] = Number(data[id]![batch.rows[i]!]!);
        }
        count++;
      },
    );
  } catch (e) {
    const path = (dataset as { dir?: string }).dir ?? '';
    throw new PanelBuildError(
      `buildPanel: replaying ${path || 'dataset'} failed: ${isMmtapeError(e) ? `${e.code}: ` : ''}${(e as Error)?.message ?? String(e)}`,
      path,
      { cause: e },
    );
  }
  if (symbols.length === 0) symbols = [...(options.symbols ?? dataset.symbols)].sort();

  const keep: number[] = [];
  const droppedSymbols: DroppedSymbol[] = [];
  symbols.forEach((symbol, id) => {
    let finiteCount = 0;
    const v = values[id];
    if (v) for (let t = 0; t < count; t++) if (Number.isFinite(v[t]!)) finiteCount++;
    const coverage = count === 0 ? 0 : finiteCount / count;
    if (coverage >= minCoverage && count > 0) keep.push(id);
    else droppedSymbols.push({ symbol, coverage });
  });

  // Keep timestamps where at least one kept symbol has a value.
  const rows: number[] = [];
  for (let t = 0; t < count; t++) {
    if (keep.some((id) => Number.isFinite(values[id]![t]!))) rows.push(t);
  }
  const timestampsNs = new BigInt64Array(rows.length);
  rows.forEach((t, k) => {
    timestampsNs[k] = timestamps[t]!;
  });
  const closes = keep.map((id) => {
    const src = values[id]!;
    const out = new Float64Array(rows.length);
    rows.forEach((t, k) => {
      out[k] = src[t]!;
    });
    return out;
  });
  return { symbols: keep.map((id) => symbols[id]!), timestampsNs, closes, droppedSymbols };
}
