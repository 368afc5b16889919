/**
 * Number and date formatting of the HTML report. Deterministic (no locale lookups): thousands are
 * grouped with `,`, negative numbers start with `-`, non-finite values print as `n/a`.
 *
 * @module
 */
import { nsToMs } from './time-axis.js';

/** Groups the integer part of a fixed-point decimal string with `,` (e.g. `-1234567.50` → `-1,234,567.50`). */
function groupThousands(fixed: string): string {
  const negative = fixed.startsWith('-');
  const body = negative ? fixed.slice(1) : fixed;
  const dot = body.indexOf('.');
  const int = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // "-0.00" reads as a loss that is not there.
  const isZero = /^[0,.]*$/.test(grouped + frac);
  return `${negative && !isZero ? '-' : ''}${grouped}${frac}`;
}

/** Money in the price currency with thousands separators, e.g. `-734.01` (2 decimals by default). */
export function formatMoney(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? groupThousands(value.toFixed(digits)) : 'n/a';
}

/** A fraction as percent, e.g. 0.01234 → `1.23%`. */
export function formatPercent(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value)
    ? `${groupThousands((value * 100).toFixed(digits))}%`
    : 'n/a';
}

/** A plain number with fixed decimals, e.g. a Sharpe ratio. */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? groupThousands(value.toFixed(digits)) : 'n/a';
}

/** A count with thousands separators: integers as such, small fractional counts with one decimal. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Number.isInteger(value) || Math.abs(value) >= 10
    ? groupThousands(Math.round(value).toFixed(0))
    : value.toFixed(1);
}

/** A p-value: 4 decimals, or 1 significant digit in exponent form below 1e-4. */
export function formatPValue(p: number | null): string {
  if (p === null) return '—'; // Johansen selections have no p-value
  if (!Number.isFinite(p)) return 'n/a';
  return p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
}

/** A price: 2 decimals from 1 up, 4 significant digits below (penny stocks, FX, crypto fractions). */
export function formatPrice(price: number): string {
  if (!Number.isFinite(price)) return 'n/a';
  return Math.abs(price) >= 1 || price === 0 ? groupThousands(price.toFixed(2)) : price.toPrecision(4);
}

/** Formats an int64-ns timestamp (decimal string) as a UTC date or date and time. */
export type NsFormatter = (timestampNs: string) => string;

/**
 * A UTC date formatter for a report's bar timestamps: `YYYY-MM-DD` when every bar is at midnight UTC (daily
 * or coarser bars), else `YYYY-MM-DD HH:MM` for every timestamp so intraday columns line up.
 */
export function nsFormatterFor(timestampsNs: readonly string[]): NsFormatter {
  const DAY_MS = 86_400_000;
  const intraday = timestampsNs.some((ns) => nsToMs(ns) % DAY_MS !== 0);
  return (ns) => {
    const iso = new Date(nsToMs(ns)).toISOString();
    return intraday ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
  };
}
