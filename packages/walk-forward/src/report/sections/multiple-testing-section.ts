/**
 * The multiple-testing caveat: how many pairs passed the cointegration test compared with how many would
 * pass by chance alone, for the run and for each window.
 *
 * @module
 */
import type { WalkForwardReport } from '../../walk-forward-report.js';
import { formatCount, formatNumber, formatPValue, type NsFormatter } from '../format.js';
import { table, td } from '../html-parts.js';
import { escapeXml } from '../svg-chart.js';

/** Counts of one multiple-testing statement. */
export interface MultipleTestingCounts {
  pairsTested: number;
  pairsPassedCoint: number;
  expectedFalsePositives: number;
}

/**
 * True when the pairs passing are at most twice what chance alone gives: the selection is then hard to
 * tell from noise. Never true when nothing was tested, nor for an FDR run where nothing passed.
 */
export function isWeakSelection(c: MultipleTestingCounts, fdr: boolean): boolean {
  if (c.pairsTested === 0) return false;
  if (fdr && c.pairsPassedCoint === 0) return false;
  return c.pairsPassedCoint <= 2 * c.expectedFalsePositives;
}

/** The caveat in words, e.g. "36 pairs passed of 1,272 tested; 64 would pass by chance alone if no pair were cointegrated". */
export function multipleTestingSentence(c: MultipleTestingCounts, fdrQ: number | null): string {
  const passed = `${formatCount(c.pairsPassedCoint)} pair${c.pairsPassedCoint === 1 ? '' : 's'} passed of ${formatCount(c.pairsTested)} tested`;
  if (fdrQ !== null) {
    return `${passed} with Benjamini–Hochberg FDR control at q = ${fdrQ}; about ${formatCount(c.expectedFalsePositives)} of the passing pairs are expected to be false discoveries`;
  }
  return `${passed}; ${formatCount(c.expectedFalsePositives)} would pass by chance alone if no pair were cointegrated`;
}

/** Run-level caveat (warning style when weak) and the per-window table. */
export function multipleTestingSection(report: WalkForwardReport, date: NsFormatter): string {
  const fdr = report.config.fdrQ;
  const s = report.summary;
  const weak = isWeakSelection(s, fdr !== null);
  const level = fdr !== null ? `FDR q = ${fdr}` : `level ${report.config.maxPValue}`;
  const callout = `<div class="callout${weak ? ' warn' : ''}" id="multiple-testing-run">${escapeXml(
    multipleTestingSentence(s, fdr),
  )}.${
    weak
      ? ' <strong>Caution: no more pairs passed than about twice what chance alone gives, so many selected pairs may not be cointegrated at all.</strong>'
      : ''
  }</div>`;
  const rows = report.windows.map((w) => {
    const weakW = isWeakSelection(w, fdr !== null);
    const ratio = w.expectedFalsePositives > 0 ? w.pairsPassedCoint / w.expectedFalsePositives : Number.NaN;
    const words = `window ${w.index}: ${multipleTestingSentence(w, fdr)}`;
    return `<tr${weakW ? ' class="warn"' : ''} title="${escapeXml(words)}">${[
      td(String(w.index), 'l'),
      td(`${date(w.testStartNs)} → ${date(w.testEndNs)}`, 'l'),
      td(formatCount(w.symbolsEligible)),
      td(formatCount(w.pairsTested)),
      td(formatCount(w.pairsRejectedHedge)),
      td(formatCount(w.pairsPassedCoint)),
      td(formatNumber(w.expectedFalsePositives, 1)),
      td(Number.isFinite(ratio) ? `${formatNumber(ratio, 1)}×` : 'n/a'),
      td(w.pValueCutoff < 0 ? 'none passed' : formatPValue(w.pValueCutoff)),
      td(formatCount(w.pairsPassed)),
      td(formatCount(w.selected.length)),
    ].join('')}</tr>`;
  });
  return `<section id="multiple-testing">
<h2>Multiple testing</h2>
<p class="note">Testing many pairs at ${escapeXml(level)} lets some pass by luck. Compare the pairs that passed the p-value test with the number expected by chance (highlighted: passed ≤ 2× expected; hover a window for the sentence).</p>
${callout}
${table(
  'multiple-testing-table',
  [
    'l:Window',
    'l:Test period',
    'Eligible symbols',
    'Pairs tested',
    'Rejected (hedge)',
    'Passed p-value',
    'Expected by chance',
    'Passed / expected',
    'p cutoff',
    'Passed all filters',
    'Selected',
  ],
  rows,
)}
</section>`;
}
