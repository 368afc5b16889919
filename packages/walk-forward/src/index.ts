/**
 * `@mmtape/walk-forward`: pairs-trading walk-forward backtests on aligned price panels.
 *
 * - Statistics on plain `Float64Array`s: {@link ols}, {@link adfuller} / {@link adf} (augmented Dickey-Fuller,
 *   autolag AIC/BIC/t-stat), {@link coint} (statsmodels `coint` defaults),
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
 * const panel = buildPanel(dataset); // aligned closes, NaN where a symbol has no bar
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
export type { BuildPanelOptions } from './build-panel.js';
export { buildPanel } from './build-panel.js';
export type { PerformanceMetrics } from './compute-metrics.js';
export { computeMetrics } from './compute-metrics.js';
export type {
  CointegrationMethod,
  FillPrice,
  PairUniverse,
  WalkForwardConfig,
  WalkForwardMode,
} from './config.js';
export {
  DEFAULT_WALK_FORWARD_CONFIG,
  resolveWalkForwardConfig,
  validateWalkForwardConfig,
} from './config.js';
export { describeModel } from './describe-model.js';
export type { WalkForwardError, WalkForwardErrorCode } from './errors.js';
export {
  CodeVersionMismatchError,
  DatasetMismatchError,
  InsufficientDataError,
  InvalidConfigError,
  InvalidInputError,
  isMmtapeError,
  isWalkForwardError,
  PanelBuildError,
  QueueUnavailableError,
  TaskFailedError,
} from './errors.js';
export { inferPeriodsPerYear } from './infer-periods-per-year.js';
export { loadSectors, parseSectorsCsv } from './load-sectors.js';
export {
  loadWalkForwardConfig,
  parsePartialWalkForwardConfig,
  parseWalkForwardConfig,
  readWalkForwardConfigFile,
  walkForwardConfigSchema,
} from './load-walk-forward-config.js';
export type { EnvProbeResult, PairScanTask, PanelSource } from './pair-scan-task.js';
export type { PairStatsCache } from './pair-stats-cache.js';
export { PAIR_STATS_FUNCTION_ID, PAIR_STATS_VERSION } from './pair-stats-cache.js';
export { panelDigest } from './panel-digest.js';
export type { PricePanel } from './price-panel.js';
export { validatePricePanel } from './price-panel.js';
export type { MonthlyReturnsRow } from './report/monthly-returns.js';
export { monthlyReturns } from './report/monthly-returns.js';
export type { PairAttribution } from './report/pair-attribution.js';
export { pairAttribution } from './report/pair-attribution.js';
export type {
  PairName,
  PairSpreadSegment,
  PairSpreadSeries,
} from './report/pair-spread-series.js';
export { pairSpreadSeries, rankSelectedPairs } from './report/pair-spread-series.js';
export type { RenderReportHtmlOptions } from './report/render-report-html.js';
export { renderReportHtml } from './report/render-report-html.js';
export { defaultRollingSharpeBars, rollingSharpe } from './report/rolling-sharpe.js';
export type { DrawdownEpisode } from './report/top-drawdowns.js';
export { topDrawdowns, underwaterCurve } from './report/top-drawdowns.js';
export type { RunWalkForwardOptions, WalkForwardProgress } from './run-walk-forward.js';
export { runWalkForward } from './run-walk-forward.js';
export type { PairScanResult, PairSelection, PairSelectionConfig, PairStats } from './select-pairs.js';
export {
  comparePairStats,
  mergePairScans,
  PairScanScratch,
  scanPairs,
  selectPairs,
  trimPairScan,
} from './select-pairs.js';
export type { ExitReason, PairTrade, PairTradingInput, PairTradingResult } from './simulate-pair-trading.js';
export { simulatePairTrading } from './simulate-pair-trading.js';
export { splitTriangle } from './split-triangle.js';
export type { AdfOptions, AdfResult } from './stats/adf.js';
export { adf } from './stats/adf.js';
export type { AdfullerOptions, AdfullerResult, AutolagMethod } from './stats/adfuller.js';
export { adfuller, defaultMaxLag } from './stats/adfuller.js';
export { benjaminiHochbergCutoff } from './stats/benjamini-hochberg.js';
export type {
  EngleGrangerOptions,
  EngleGrangerResult,
  EngleGrangerStatistic,
} from './stats/engle-granger.js';
export {
  COLLINEAR_R_SQUARED,
  coint,
  engleGranger,
  engleGrangerStatistic,
  newEngleGrangerStatistic,
} from './stats/engle-granger.js';
export type { PairMoments } from './stats/engle-granger-orderings.js';
export { engleGrangerBothOrderings, engleGrangerOrdering } from './stats/engle-granger-orderings.js';
export { halfLife } from './stats/half-life.js';
export { hurstExponent } from './stats/hurst-exponent.js';
export type { JohansenOptions, JohansenResult } from './stats/johansen.js';
export { johansen } from './stats/johansen.js';
export type {
  JohansenCriticalValues,
  JohansenDetOrder,
  JohansenSignificanceLevel,
  JohansenStatisticKind,
} from './stats/johansen-critical-values.js';
export {
  JOHANSEN_MAX_SERIES,
  JOHANSEN_SIGNIFICANCE_LEVELS,
  johansenCriticalValue,
  johansenCriticalValues,
} from './stats/johansen-critical-values.js';
export type { JohansenPairStatistic } from './stats/johansen-pair.js';
export { johansenPair, johansenTraceRejects, newJohansenPairStatistic } from './stats/johansen-pair.js';
export {
  JOHANSEN_SINGULAR_PIVOT_RATIO,
  JohansenWorkspace,
  johansenMinRows,
} from './stats/johansen-workspace.js';
export { LeastSquaresWorkspace } from './stats/least-squares-workspace.js';
export type { CriticalValues } from './stats/mackinnon-critical-values.js';
export { mackinnonCriticalValues } from './stats/mackinnon-critical-values.js';
export { mackinnonp } from './stats/mackinnon-p.js';
export { erfc, normalCdf } from './stats/normal-cdf.js';
export type { OlsResult } from './stats/ols.js';
export { ols } from './stats/ols.js';
export { logReturns, pearson } from './stats/pearson.js';
export type { RegressionType } from './stats/regression-type.js';
export { THREAD_LIMIT_ENV, workerEnv } from './thread-limits.js';
export type { WindowTrading } from './trade-window.js';
export { tradeWindow } from './trade-window.js';
export { filledTrainingPrices, isEligibleForTraining } from './training-window.js';
export { WalkForwardAssembly } from './walk-forward-assembly.js';
export type { WalkForwardPlan, WalkForwardWindow, WindowScanPlan } from './walk-forward-plan.js';
export {
  planWalkForward,
  selectionConfigOf,
  walkForwardWindows,
  windowSelectionKey,
  windowTrainingSeries,
} from './walk-forward-plan.js';
export type {
  SelectedPairReport,
  TradeReport,
  WalkForwardModel,
  WalkForwardReport,
  WalkForwardSummary,
  WindowReport,
} from './walk-forward-report.js';
export { defaultWorkerCount, resolveWorkerFile, WorkerPool } from './worker-pool.js';
export type { ZScoreBands } from './z-score-signals.js';
export { SIGNAL_EXIT, SIGNAL_STOP, zScoreSignals } from './z-score-signals.js';
