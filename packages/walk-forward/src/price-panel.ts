/**
 * The aligned price matrix every walk-forward computation runs on.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';

/**
 * Prices of several symbols on one shared timeline: `closes[i][t]` is the price of `symbols[i]` at
 * `timestampsNs[t]` (ns since the Unix epoch, UTC, strictly increasing), NaN where the symbol has no bar.
 */
export interface PricePanel {
  symbols: string[];
  timestampsNs: BigInt64Array;
  /** The traded price series (the dataset's `close` column unless another was chosen). */
  closes: Float64Array[];
  /** Open prices on the same timeline, for fills at the open (`fillPrice: 'open'`). */
  opens?: Float64Array[];
}

/**
 * Check a panel's shape: one close series per symbol, each as long as the timeline, unique symbols,
 * strictly increasing timestamps.
 *
 * @throws InvalidInputError describing the first violation.
 */
export function validatePricePanel(panel: PricePanel): void {
  const n = panel.timestampsNs.length;
  if (panel.closes.length !== panel.symbols.length) {
    throw new InvalidInputError(
      'panel.closes',
      `${panel.symbols.length} series (one per symbol)`,
      panel.closes.length,
    );
  }
  if (new Set(panel.symbols).size !== panel.symbols.length) {
    throw new InvalidInputError('panel.symbols', 'unique names', panel.symbols);
  }
  if (panel.opens && panel.opens.length !== panel.symbols.length) {
    throw new InvalidInputError(
      'panel.opens',
      `${panel.symbols.length} series (one per symbol)`,
      panel.opens.length,
    );
  }
  panel.opens?.forEach((c, i) => {
    if (c.length !== n)
      throw new InvalidInputError(`panel.opens[${i}] (${panel.symbols[i]})`, `length ${n}`, c.length);
  });
  panel.closes.forEach((c, i) => {
    if (c.length !== n)
      throw new InvalidInputError(`panel.closes[${i}] (${panel.symbols[i]})`, `length ${n}`, c.length);
  });
  for (let t = 1; t < n; t++) {
    if (panel.timestampsNs[t]! <= panel.timestampsNs[t - 1]!) {
      throw new InvalidInputError(
        `panel.timestampsNs[${t}]`,
        `> ${panel.timestampsNs[t - 1]} (strictly increasing)`,
        panel.timestampsNs[t],
      );
    }
  }
}
