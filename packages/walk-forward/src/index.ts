/**
 * `@mmtape/walk-forward`: pairs-trading walk-forward backtests on aligned price panels.
 *
 * - Statistics on plain `Float64Array`s: {@link ols}, {@link adf} (augmented Dickey-Fuller),
 *   {@link mackinnonp} / {@link mackinnonCriticalValues} (MacKinnon 1994 / 2010, as statsmodels),
 *   {@link engleGranger} (as statsmodels `coint`), {@link halfLife}, {@link pearson}.
 * - Engine: {@link buildPanel} (dataset → aligned closes via `@mmtape/merge-replay`),
 *   {@link runWalkForward} (per window: select cointegrated pairs on training data, trade their z-score on
 *   the test data, next-bar execution, costs), {@link computeMetrics}.
 *
 * ```ts
 * import { Dataset } from '@mmtape/columnar-format';
 * import { CacheManager } from '@mmtape/cache-manager';
 * import { buildPanel, runWalkForward } from '@mmtape/walk-forward';
 *
 * const dataset = Dataset.open('data/sp500');
 * const panel = buildPanel(dataset, { minCoverage: 0.95 });
 * const report = await runWalkForward(panel, { trainBars: 252, testBars: 63, topK: 5 }, {
 *   cache: new CacheManager({ dir: '.mmtape-cache' }),
 *   onProgress: (p) => process.stderr.write(`window ${p.windowsDone}/${p.windowsTotal}\r`),
 * });
 * console.log(report.summary.sharpe, report.summary.maxDrawdown);
 * dataset.close();
 * ```
 *
 * @module
 */
export type { BuildPanelOptions, BuiltPricePanel, DroppedSymbol } from './build-panel.js';
export { buildPanel } from './build-panel.js';
export type { PerformanceMetrics } from './compute-metrics.js';
export { computeMetrics } from './compute-metrics.js';
export type { WalkForwardConfig, WalkForwardMode } from './config.js';
export {
  DEFAULT_WALK_FORWARD_CONFIG,
  resolveWalkForwardConfig,
  validateWalkForwardConfig,
} from './config.js';
export type { WalkForwardError, WalkForwardErrorCode } from './errors.js';
export {
  InsufficientDataError,
  InvalidConfigError,
  InvalidInputError,
  isMmtapeError,
  isWalkForwardError,
  PanelBuildError,
} from './errors.js';
export { inferPeriodsPerYear } from './infer-periods-per-year.js';
export type { PairStatsCache } from './pair-stats-cache.js';
export { PAIR_STATS_FUNCTION_ID, PAIR_STATS_VERSION } from './pair-stats-cache.js';
export type { PricePanel } from './price-panel.js';
export { validatePricePanel } from './price-panel.js';
export type { RunWalkForwardOptions, WalkForwardProgress, WalkForwardWindow } from './run-walk-forward.js';
export { runWalkForward, walkForwardWindows } from './run-walk-forward.js';
export type { PairSelection, PairSelectionConfig, PairStats } from './select-pairs.js';
export { selectPairs } from './select-pairs.js';
export type { PairTradingInput, PairTradingResult } from './simulate-pair-trading.js';
export { simulatePairTrading } from './simulate-pair-trading.js';
export type { AdfOptions, AdfResult } from './stats/adf.js';
export { adf } from './stats/adf.js';
export type { EngleGrangerOptions, EngleGrangerResult } from './stats/engle-granger.js';
export { engleGranger } from './stats/engle-granger.js';
export { halfLife } from './stats/half-life.js';
export { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';
export type { CriticalValues } from './stats/mackinnon-critical-values.js';
export { mackinnonCriticalValues } from './stats/mackinnon-critical-values.js';
export { mackinnonp } from './stats/mackinnon-p.js';
export { erfc, normalCdf } from './stats/normal-cdf.js';
export type { OlsResult } from './stats/ols.js';
export { ols } from './stats/ols.js';
export { logReturns, pearson } from './stats/pearson.js';
export type { RegressionType } from './stats/regression-type.js';
export type {
  SelectedPairReport,
  WalkForwardReport,
  WalkForwardSummary,
  WindowReport,
} from './walk-forward-report.js';
export type { ZScoreBands } from './z-score-signals.js';
export { zScoreSignals } from './z-score-signals.js';
