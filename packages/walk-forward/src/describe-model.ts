/**
 * The simulated rules in words, for the report (`WalkForwardReport.model`).
 *
 * @module
 */
import type { WalkForwardConfig } from './config.js';
import type { WalkForwardModel } from './walk-forward-report.js';

/** One sentence per rule, from the config in force (see the package README, "Rules"). */
export function describeModel(cfg: WalkForwardConfig): WalkForwardModel {
  const d = cfg.executionDelayBars;
  const execution =
    d === 0
      ? 'SAME-BAR FILL (executionDelayBars 0): a signal at the close of bar t fills at that same close — only achievable if you can trade at the close you observe'
      : `signal at the close of bar t, fill at the ${cfg.fillPrice} of bar t+${d}; a fill needs prices for both legs; positions still open close at the last bar of the test window`;
  const selection =
    cfg.method === 'johansen'
      ? `Johansen trace test (rank 0 rejected at ${cfg.maxPValue}), hedge ratio from the first eigenvector`
      : `Engle-Granger in both orderings (y = the ordering with the lower p-value), pair p-value = min(1, 2 x min of the two), ${
          cfg.fdrQ !== null ? `Benjamini-Hochberg FDR q = ${cfg.fdrQ}` : `p <= ${cfg.maxPValue}`
        }`;
  return {
    execution,
    sizing: `spread held in shares: +n y / -beta*n x (long spread), n = slot capital / (P_y + beta*P_x) at the fill; slot = equity at window start / topK (${cfg.topK}); beta > ${cfg.minHedgeRatio}, each leg >= ${cfg.minLegWeight * 100}% of notional`,
    universe: `point-in-time: a symbol is eligible when it has prices on the first and last training bars and on >= ${cfg.minTrainingCoverage * 100}% of them (training gaps filled forward); no test-window data is used; a leg without further prices in the test window is closed at its last price`,
    selection: `${selection}; half-life in [${cfg.halfLifeBars[0]}, ${cfg.halfLifeBars[1]}] bars; top ${cfg.topK} by p-value`,
    costs: `commission ${cfg.commissionBps} bps + slippage ${cfg.slippageBps} bps per leg per fill on traded notional; short borrow ${cfg.borrowBpsPerYear} bps/year on the short notional (ACT/365)`,
  };
}
