/**
 * The second half of a walk-forward: given each window's pair selection, in window order, trade the test
 * slices and build the report. Shared by the local run ({@link runWalkForward}) and the cluster run
 * (`@mmtape/walk-forward/cluster`): the same selections give the same report, byte for byte.
 *
 * @module
 */
import { computeMetrics } from './compute-metrics.js';
import { describeModel } from './describe-model.js';
import type { PricePanel } from './price-panel.js';
import type { PairSelection } from './select-pairs.js';
import { tradeWindow } from './trade-window.js';
import type { WalkForwardPlan } from './walk-forward-plan.js';
import type { TradeReport, WalkForwardReport, WindowReport } from './walk-forward-report.js';

/**
 * Trades the windows of a {@link WalkForwardPlan} one after the other (each window starts with the equity
 * the previous one ended with, so trading is sequential) and builds the {@link WalkForwardReport}.
 *
 * ```ts
 * const assembly = new WalkForwardAssembly(panel, plan);
 * for (const selection of selections) assembly.addWindow(selection, false);
 * const report = assembly.finish({ hits: 0, misses: 0 }, { workers: 1, panelSource: 'in-process' });
 * ```
 */
export class WalkForwardAssembly {
  readonly #panel: PricePanel;
  readonly #plan: WalkForwardPlan;
  readonly #symbolIndex: Map<string, number>;
  readonly #windowReports: WindowReport[] = [];
  readonly #trades: TradeReport[] = [];
  readonly #curve = { timestampsNs: [] as string[], equity: [] as number[], returns: [] as number[] };
  readonly #exposure = { gross: [] as number[], net: [] as number[] };
  readonly #totals = { grossPnl: 0, commission: 0, slippage: 0, borrow: 0, tradedNotional: 0 };
  readonly #testing = { pairsTested: 0, pairsPassedCoint: 0, expectedFalsePositives: 0 };
  #equity: number;
  #equitySum = 0;

  constructor(panel: PricePanel, plan: WalkForwardPlan) {
    this.#panel = panel;
    this.#plan = plan;
    this.#symbolIndex = new Map(panel.symbols.map((s, i) => [s, i]));
    this.#equity = plan.config.initialCapital;
  }

  /** Windows traded so far. */
  get windowsDone(): number {
    return this.#windowReports.length;
  }

  /**
   * Trade the next window (number {@link windowsDone}) with its pair selection.
   *
   * @param cacheHit whether the selection came from a cache (recorded in the window's report).
   */
  addWindow(selection: PairSelection, cacheHit: boolean): WindowReport {
    const w = this.#windowReports.length;
    const win = this.#plan.windows[w];
    if (!win) throw new RangeError(`all ${this.#plan.windows.length} windows are already traded`);
    const panel = this.#panel;
    const cfg = this.#plan.config;
    const equityStart = this.#equity;
    const traded = tradeWindow(panel, win, w, selection, cfg, equityStart, this.#symbolIndex);
    for (const t of traded.trades) this.#trades.push(t);
    for (const k of ['grossPnl', 'commission', 'slippage', 'borrow', 'tradedNotional'] as const) {
      this.#totals[k] += traded[k];
    }
    this.#testing.pairsTested += selection.pairsTested;
    this.#testing.pairsPassedCoint += selection.pairsPassedCoint;
    this.#testing.expectedFalsePositives += selection.expectedFalsePositives;
    const testLen = win.testEnd - win.testStart;
    for (let k = 0; k < testLen; k++) {
      this.#curve.timestampsNs.push(panel.timestampsNs[win.testStart + k]!.toString());
      this.#curve.equity.push(traded.equity[k]!);
      this.#curve.returns.push(traded.returns[k]!);
      this.#exposure.gross.push(traded.grossExposure[k]!);
      this.#exposure.net.push(traded.netExposure[k]!);
      this.#equitySum += traded.equity[k]!;
    }
    this.#equity = testLen > 0 ? traded.equity[testLen - 1]! : this.#equity;
    const windowTrades = traded.trades.length;
    let windowWins = 0;
    for (const t of traded.trades) if (t.netPnl > 0) windowWins++;
    const wm = computeMetrics(traded.returns, this.#plan.periodsPerYear);
    const report: WindowReport = {
      index: w,
      trainStartIndex: win.trainStart,
      trainEndIndex: win.trainEnd,
      testStartIndex: win.testStart,
      testEndIndex: win.testEnd,
      trainStartNs: panel.timestampsNs[win.trainStart]!.toString(),
      testStartNs: panel.timestampsNs[win.testStart]!.toString(),
      testEndNs: panel.timestampsNs[win.testEnd - 1]!.toString(),
      symbolsEligible: selection.symbolsEligible,
      pairsConsidered: selection.pairsConsidered,
      pairsTested: selection.pairsTested,
      pairsRejectedHedge: selection.pairsRejectedHedge,
      pairsPassedCoint: selection.pairsPassedCoint,
      pairsPassed: selection.pairsPassed,
      expectedFalsePositives: selection.expectedFalsePositives,
      pValueCutoff: selection.pValueCutoff,
      selected: traded.pairs,
      return: wm.totalReturn,
      pnl: this.#equity - equityStart,
      trades: windowTrades,
      sharpe: wm.sharpe,
      sortino: wm.sortino,
      maxDrawdown: wm.maxDrawdown,
      turnover: traded.tradedNotional / equityStart,
      hitRate: windowTrades > 0 ? windowWins / windowTrades : null,
      cacheHit,
    };
    this.#windowReports.push(report);
    return report;
  }

  /**
   * The report, once every window is traded.
   *
   * @param cache selection-cache hits and misses of the run.
   * @param parallelism how the pair scans ran (execution detail, like a timing: not part of the results).
   * @throws RangeError when a window is still missing.
   */
  finish(
    cache: { hits: number; misses: number },
    parallelism: NonNullable<WalkForwardReport['parallelism']>,
  ): WalkForwardReport {
    const plan = this.#plan;
    const cfg = plan.config;
    if (this.#windowReports.length !== plan.windows.length) {
      throw new RangeError(`${this.#windowReports.length} of ${plan.windows.length} windows traded`);
    }
    const trades = this.#trades;
    const exposure = this.#exposure;
    const totals = this.#totals;
    const metrics = computeMetrics(this.#curve.returns, plan.periodsPerYear);
    let wins = 0;
    for (const t of trades) if (t.netPnl > 0) wins++;
    let inMarket = 0;
    let grossSum = 0;
    let netSum = 0;
    for (let k = 0; k < exposure.gross.length; k++) {
      if (exposure.gross[k]! > 0) inMarket++;
      grossSum += exposure.gross[k]!;
      netSum += exposure.net[k]!;
    }
    const nBars = exposure.gross.length;
    const equity = this.#equity;
    return {
      config: cfg,
      model: describeModel(cfg),
      symbols: [...this.#panel.symbols],
      windows: this.#windowReports,
      summary: {
        ...metrics,
        calmar: metrics.maxDrawdown > 0 ? metrics.annualizedReturn / metrics.maxDrawdown : 0,
        trades: trades.length,
        turnover: nBars > 0 ? totals.tradedNotional / (this.#equitySum / nBars) : 0,
        hitRate: trades.length > 0 ? wins / trades.length : null,
        periodsPerYear: plan.periodsPerYear,
        initialCapital: cfg.initialCapital,
        finalEquity: equity,
        grossPnl: totals.grossPnl,
        commission: totals.commission,
        slippage: totals.slippage,
        borrow: totals.borrow,
        netPnl: equity - cfg.initialCapital,
        timeInMarket: nBars > 0 ? inMarket / nBars : 0,
        averageGrossExposure: nBars > 0 ? grossSum / nBars : 0,
        averageNetExposure: nBars > 0 ? netSum / nBars : 0,
        ...this.#testing,
      },
      trades,
      equityCurve: { ...this.#curve, grossExposure: exposure.gross, netExposure: exposure.net },
      cache,
      parallelism,
    };
  }
}
