#!/usr/bin/env python3
"""Independent reference of the walk-forward rules (packages/walk-forward/README.md, "Walk-forward rules").

Written from the README alone, without reading the engine's sources, so that it checks the engine rather
than restating it. Needs numpy, pandas and statsmodels (Debian: python3-numpy python3-pandas
python3-statsmodels); run with /usr/bin/python3.

    /usr/bin/python3 packages/walk-forward/scripts/reference_walk_forward.py \
        --data apps/cli/demo-data/sp500-30 [--override truncated/XOM_data.csv] \
        --report /tmp/r/report.json --out reference.json [--case name] [--flags "..."]

Inputs: the dataset's source CSVs (columns date,open,high,low,close,volume,Name; dates are UTC midnight)
and a report.json written by `mmtape walk-forward`. `--override FILE` replaces the CSV of the same file
name in `--data` (a symbol cut short, for instance).

What it does:
1. builds the panel: the union of every symbol's dates, NaN where a symbol has no row (rule 0 / buildPanel);
2. re-derives the windows (rule 1) and, for each window, the point-in-time universe (rule 2), then runs its
   own pair selection (rules 3-5: log-return correlation, covariance sign, statsmodels `coint` in both
   orderings, Bonferroni p, hedge filters, half-life, ranking) and checks every pair the report selected:
   eligibility, pValueUsed / pValueReverse / adfStat / pValue, OLS beta and intercept, mu, sigma (ddof 1),
   legWeightY, half-life, correlation;
3. re-simulates rules 6-11 for the pairs the report selected (taking y, x, beta, mu, sigma from the report so
   that one selection difference does not hide every trading difference) with the report's config: signals,
   fills, sizing, marks, costs, borrow, forced exits; its own trade list and per-bar portfolio P&L/equity;
4. re-derives the summary metrics of rule 12;
5. writes its results as JSON (`--out`) and prints a comparison with the report: max abs/rel difference per
   field, trade-by-trade match (count, bars, side, reason).

Choices where the README is silent or loose (each one agrees with the engine on the committed cases unless
noted in test/reference-parity.test.ts):
- a trade's signal bar and entryZ are those of the bar whose decision the fill executes (the bar on which the
  desired position changed), also when the fill waited for a missing price;
- the exit reason and exitZ of an exit are those of the first exit decision after the entry's signal bar, also
  when the fill waited; a signal exit filled on the forced-exit bar keeps its reason ('signal'/'stop');
- a stop blocks its direction until |z| <= entryZ (rule 6 read literally);
- the 'last-price' bar is the last bar on which both legs have a close; forced exits use the closes;
- borrow over (t-1, t] uses the short leg's mark at t-1; exposure and time in market use the position held at
  each bar's close (after that bar's fills), divided by that bar's equity;
- turnover = sum over fills of |shares_y| P_y + |shares_x| P_x, divided by the mean of the per-bar equity.

Exit status: 0 when every trade matches (same bars, side, reason) and every number is within `--rtol`
(default 1e-9 relative, absolute below 1e-6 of money), 1 otherwise.
"""
import argparse
import glob
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import coint

NS_PER_DAY = 86_400 * 10**9
# How often each rule's less common branch was exercised (stored in the output, to show what a case covers).
COVERAGE = {
    "entriesBlockedAfterStop": 0,
    "flatBeyondStopBlocks": 0,
    "sameBarReversals": 0,
    "waitedFills": 0,
    "heldBarsWithoutPrice": 0,
    "signalExitsOnForcedBar": 0,
}
BAR_SIDE = {1: "long-spread", -1: "short-spread"}


# ----------------------------------------------------------------------------------------------- panel


def load_panel(data_dir, overrides):
    """Rule 0: union timeline of every symbol's dates; close/open matrices with NaN where a symbol has no row."""
    files = {os.path.basename(p): p for p in sorted(glob.glob(os.path.join(data_dir, "*.csv")))}
    for o in overrides:
        name = os.path.basename(o)
        if name not in files:
            raise SystemExit(f"--override {o}: no file named {name} in {data_dir}")
        files[name] = o
    frames = []
    for name in sorted(files):
        df = pd.read_csv(files[name])
        if "Name" not in df.columns:
            raise SystemExit(f"{files[name]}: no Name column")
        frames.append(df[["date", "open", "close", "Name"]])
    df = pd.concat(frames, ignore_index=True)
    df["ts"] = pd.to_datetime(df["date"], utc=True).astype("int64")
    symbols = sorted(df["Name"].unique())
    timeline = np.array(sorted(df["ts"].unique()), dtype=np.int64)
    close = df.pivot(index="ts", columns="Name", values="close").reindex(index=timeline, columns=symbols)
    open_ = df.pivot(index="ts", columns="Name", values="open").reindex(index=timeline, columns=symbols)
    return symbols, timeline, close.to_numpy(dtype=float), open_.to_numpy(dtype=float)


def priced(v):
    """Rule 2: a price is finite and > 0."""
    return np.isfinite(v) & (v > 0)


# ------------------------------------------------------------------------------------------ selection


def windows_of(n_bars, cfg):
    """Rule 1: window w starts at s = w*step; training [s, s+train) (expanding: [0, s+train)); test follows."""
    out = []
    w = 0
    while True:
        s = w * cfg["stepBars"]
        test_start = s + cfg["trainBars"]
        test_end = test_start + cfg["testBars"]
        if test_end > n_bars:
            break
        train_start = 0 if cfg["mode"] == "expanding" else s
        out.append((train_start, test_start, test_start, test_end))
        w += 1
    return out


def eligible_training(close, a, b, min_cov):
    """Rule 2 on training bars [a, b): eligibility per symbol and the forward-filled training prices."""
    seg = close[a:b]
    ok = priced(seg)
    elig = ok[0] & ok[-1] & (ok.mean(axis=0) >= min_cov)
    filled = pd.DataFrame(np.where(ok, seg, np.nan)).ffill().to_numpy()
    return elig, filled


def ols(y, x):
    """y = alpha + beta x (plain least squares with numpy)."""
    design = np.column_stack([np.ones_like(x), x])
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(beta), float(alpha)


def half_life(s):
    """Rule 5: -ln 2 / b of Delta s_t = a + b s_{t-1}; inf when b >= 0."""
    b, _ = ols(np.diff(s), s[:-1])
    return math.inf if b >= 0 else -math.log(2) / b


def eg_pair(ya, xa, cfg):
    """Both Engle-Granger orderings with statsmodels coint (fixed lag, trend 'c')."""
    kw = {"trend": "c"}
    if cfg["adfAutolag"] is None:
        kw.update(maxlag=cfg["adfLags"], autolag=None)
    else:
        kw.update(maxlag=cfg["adfMaxLag"], autolag={"t-stat": "t-stat"}.get(cfg["adfAutolag"], cfg["adfAutolag"]))
    s_yx, p_yx, _ = coint(ya, xa, **kw)
    s_xy, p_xy, _ = coint(xa, ya, **kw)
    return float(s_yx), float(p_yx), float(s_xy), float(p_xy)


def pair_stats(y, x, cfg):
    """Rules 3-5 statistics of the ordering y on x (training prices, forward-filled)."""
    beta, alpha = ols(y, x)
    s = y - beta * x
    denom = y[-1] + beta * x[-1]
    return {
        "hedgeRatio": beta,
        "intercept": alpha,
        "spreadMean": float(np.mean(s)),
        "spreadStd": float(np.std(s, ddof=1)),
        "legWeightY": float(y[-1] / denom),
        "legWeightX": float(beta * x[-1] / denom),
        "halfLifeBars": half_life(s),
        "correlation": float(np.corrcoef(np.diff(np.log(y)), np.diff(np.log(x)))[0, 1]),
    }


def select_window(symbols, close, win, cfg):
    """Rules 2-5 for one window: the reference's own counts and ranked selection (Engle-Granger, no fdrQ)."""
    a, b = win[0], win[1]
    elig, filled = eligible_training(close, a, b, cfg["minTrainingCoverage"])
    idx = [i for i in range(len(symbols)) if elig[i]]
    logret = np.diff(np.log(filled), axis=0)
    considered = tested = rejected_hedge = passed_coint = 0
    accepted = []
    for ii, i in enumerate(idx):
        for j in idx[ii + 1:]:
            considered += 1
            corr = float(np.corrcoef(logret[:, i], logret[:, j])[0, 1])
            if cfg["prefilter"] and not corr >= cfg["minCorrelation"]:
                continue
            tested += 1
            pa, pb = filled[:, i], filled[:, j]
            if np.cov(pa, pb, ddof=1)[0, 1] <= 0:
                rejected_hedge += 1
                continue
            s_ab, p_ab, s_ba, p_ba = eg_pair(pa, pb, cfg)
            # y = dependent of the ordering with the lower p (ties: lower ADF stat, then first name).
            if (p_ab, s_ab, symbols[i]) <= (p_ba, s_ba, symbols[j]):
                yi, xi, p_used, p_rev, stat = i, j, p_ab, p_ba, s_ab
            else:
                yi, xi, p_used, p_rev, stat = j, i, p_ba, p_ab, s_ba
            st = pair_stats(filled[:, yi], filled[:, xi], cfg)
            if not (st["hedgeRatio"] > cfg["minHedgeRatio"]
                    and st["legWeightY"] >= cfg["minLegWeight"] and st["legWeightX"] >= cfg["minLegWeight"]):
                rejected_hedge += 1
                continue
            p = min(1.0, 2 * min(p_used, p_rev))
            if p > cfg["maxPValue"]:
                continue
            passed_coint += 1
            lo, hi = cfg["halfLifeBars"]
            if not (st["spreadStd"] > 0 and lo <= st["halfLifeBars"] <= hi):
                continue
            accepted.append((p, stat, symbols[yi], symbols[xi]))
    accepted.sort()
    return {
        "symbolsEligible": int(elig.sum()),
        "pairsConsidered": considered,
        "pairsTested": tested,
        "pairsRejectedHedge": rejected_hedge,
        "pairsPassedCoint": passed_coint,
        "pairsPassed": len(accepted),
        "selected": [[y, x] for _, _, y, x in accepted[: cfg["topK"]]],
    }, elig, filled


def check_selected(symbols, elig, filled, sel, cfg):
    """Rule 2-5 statistics of one pair the report selected, recomputed from the training prices."""
    yi, xi = symbols.index(sel["y"]), symbols.index(sel["x"])
    st = pair_stats(filled[:, yi], filled[:, xi], cfg)
    s_yx, p_yx, s_xy, p_xy = eg_pair(filled[:, yi], filled[:, xi], cfg)
    st.update(
        eligibleY=bool(elig[yi]),
        eligibleX=bool(elig[xi]),
        pValueUsed=p_yx,
        pValueReverse=p_xy,
        adfStat=s_yx,
        pValue=min(1.0, 2 * min(p_yx, p_xy)),
    )
    return st


# ---------------------------------------------------------------------------------------- simulation


def signal_path(zs, cfg):
    """Rule 6 over the test bars: the decided state after each bar (+1 long, -1 short, 0 flat) and exit events."""
    entry, exit_, stop = cfg["entryZ"], cfg["exitZ"], cfg["stopZ"]
    state, blocked_long, blocked_short = 0, False, False
    since = None  # bar (offset) at which the current non-flat state was decided
    states, since_of, events = [], [], []
    for k, z in enumerate(zs):
        if np.isfinite(z):
            if abs(z) <= entry:
                blocked_long = blocked_short = False
            if state == -1:
                if z > stop:
                    state, blocked_short = 0, True
                    events.append((k, "stop", z))
                elif z < exit_:
                    state = 0
                    events.append((k, "signal", z))
            elif state == 1:
                if z < -stop:
                    state, blocked_long = 0, True
                    events.append((k, "stop", z))
                elif z > -exit_:
                    state = 0
                    events.append((k, "signal", z))
            if state == 0:
                if z > entry:
                    if z > stop:
                        blocked_short = True
                        COVERAGE["flatBeyondStopBlocks"] += 1
                    elif not blocked_short:
                        state, since = -1, k
                    else:
                        COVERAGE["entriesBlockedAfterStop"] += 1
                elif z < -entry:
                    if z < -stop:
                        blocked_long = True
                        COVERAGE["flatBeyondStopBlocks"] += 1
                    elif not blocked_long:
                        state, since = 1, k
                    else:
                        COVERAGE["entriesBlockedAfterStop"] += 1
        states.append(state)
        since_of.append(since if state != 0 else None)
    return states, since_of, events


def simulate_pair(sel, timeline, close, open_, symbols, t0, t1, capital, cfg, window_index):
    """Rules 7-10 for one pair over the test bars [t0, t1): trades and per-bar net P&L / notionals."""
    yi, xi = symbols.index(sel["y"]), symbols.index(sel["x"])
    beta, mu, sigma = sel["hedgeRatio"], sel["spreadMean"], sel["spreadStd"]
    cy, cx = close[t0:t1, yi], close[t0:t1, xi]
    oy, ox = open_[t0:t1, yi], open_[t0:t1, xi]
    both = priced(cy) & priced(cx)
    zs = np.where(both, (cy - beta * cx - mu) / sigma, np.nan)
    states, since_of, events = signal_path(zs, cfg)
    n = t1 - t0
    delay = cfg["executionDelayBars"]
    use_open = cfg["fillPrice"] == "open"
    both_open = priced(oy) & priced(ox)
    last_both = max((k for k in range(n) if both[k]), default=None)
    comm_rate, slip_rate = cfg["commissionBps"] / 1e4, cfg["slippageBps"] / 1e4
    borrow_rate = cfg["borrowBpsPerYear"] / 1e4

    pnl = np.zeros(n)
    gross_notional = np.zeros(n)
    net_notional = np.zeros(n)
    held = np.zeros(n, dtype=bool)
    trades = []
    pos = 0
    sy = sx = 0.0
    mark_y = mark_x = math.nan
    cur = None  # open trade

    def costs(shares_y, shares_x, py, px):
        notional = abs(shares_y) * py + abs(shares_x) * px
        return comm_rate * notional, slip_rate * notional

    def close_trade(k, py, px, reason, exit_signal):
        c, s = costs(sy, sx, py, px)
        cur.update(
            exitIndex=t0 + k,
            exitNs=str(int(timeline[t0 + k])),
            exitPriceY=float(py),
            exitPriceX=float(px),
            exitReason=reason,
            exitZ=None if exit_signal is None else float(exit_signal[2]),
            exitSignalIndex=None if exit_signal is None else t0 + exit_signal[0],
        )
        cur["grossPnl"] = sy * (py - cur["entryPriceY"]) + sx * (px - cur["entryPriceX"])
        cur["commission"] += c
        cur["slippage"] += s
        cur["netPnl"] = cur["grossPnl"] - cur["commission"] - cur["slippage"] - cur["borrow"]
        cur["holdingBars"] = cur["exitIndex"] - cur["entryIndex"]
        cur["notional"] += abs(sy) * py + abs(sx) * px
        trades.append(cur)
        return c + s

    for k in range(n):
        t = t0 + k
        bar_pnl = 0.0
        # Borrow for the interval (t-1, t] when a position is held at its start (rule 10), at the last mark.
        if pos != 0:
            short_shares, short_mark = (sy, mark_y) if sy < 0 else (sx, mark_x)
            b = abs(short_shares) * short_mark * borrow_rate * (timeline[t] - timeline[t - 1]) / (365 * NS_PER_DAY)
            cur["borrow"] += b
            bar_pnl -= b
        target = states[k - delay] if k - delay >= 0 else 0
        forced = k == last_both
        can_fill = both_open[k] if use_open else both[k]
        if use_open and forced and not both_open[k]:
            can_fill = False
        trade_now = pos != 0 and (forced or (can_fill and target != pos))
        enter_now = (not forced) and can_fill and target != 0 and target != pos
        if last_both is not None and k < last_both and not can_fill and target != pos:
            COVERAGE["waitedFills"] += 1
        if trade_now and enter_now:
            COVERAGE["sameBarReversals"] += 1
        if pos != 0 and not both[k]:
            COVERAGE["heldBarsWithoutPrice"] += 1
        fill_y = oy[k] if use_open else cy[k]
        fill_x = ox[k] if use_open else cx[k]
        if trade_now:
            exit_signal = None
            if target != pos and k - delay >= 0:
                entry_sig = cur["signalIndex"] - t0
                exit_signal = next((e for e in events if entry_sig < e[0] <= k - delay), None)
            if exit_signal is not None and can_fill:
                py, px, reason = fill_y, fill_x, exit_signal[1]
                COVERAGE["signalExitsOnForcedBar"] += int(forced)
            else:
                # Forced exit at the last available prices (the close of the last bar with both legs).
                py, px, exit_signal = cy[k], cx[k], None
                reason = "window-end" if k == n - 1 else "last-price"
            # Mark to the exit price (open fills: the open of the exit bar).
            bar_pnl += sy * (py - mark_y) + sx * (px - mark_x)
            bar_pnl -= close_trade(k, py, px, reason, exit_signal)
            pos, sy, sx = 0, 0.0, 0.0
        elif pos != 0:
            if priced(cy[k]):
                bar_pnl += sy * (cy[k] - mark_y)
                mark_y = cy[k]
            if priced(cx[k]):
                bar_pnl += sx * (cx[k] - mark_x)
                mark_x = cx[k]
        if enter_now:
            side = target
            shares = capital / (fill_y + beta * fill_x)
            sy, sx = side * shares, -side * beta * shares
            sig_k = since_of[k - delay]
            cur = {
                "window": window_index,
                "y": sel["y"],
                "x": sel["x"],
                "hedgeRatio": beta,
                "side": BAR_SIDE[side],
                "signalIndex": t0 + sig_k,
                "signalNs": str(int(timeline[t0 + sig_k])),
                "entryIndex": t,
                "entryNs": str(int(timeline[t])),
                "entryZ": float(zs[sig_k]),
                "entryPriceY": float(fill_y),
                "entryPriceX": float(fill_x),
                "sharesY": sy,
                "sharesX": sx,
                "commission": 0.0,
                "slippage": 0.0,
                "borrow": 0.0,
                "notional": 0.0,
            }
            c, s = costs(sy, sx, fill_y, fill_x)
            cur["commission"] += c
            cur["slippage"] += s
            cur["notional"] += abs(sy) * fill_y + abs(sx) * fill_x
            bar_pnl -= c + s
            pos = side
            mark_y, mark_x = fill_y, fill_x
            if use_open:  # the fill bar is marked to the open, then the close (rule 9)
                bar_pnl += sy * (cy[k] - mark_y) + sx * (cx[k] - mark_x)
                mark_y, mark_x = cy[k], cx[k]
        pnl[k] = bar_pnl
        if pos != 0:
            held[k] = True
            gross_notional[k] = abs(sy) * mark_y + abs(sx) * mark_x
            net_notional[k] = sy * mark_y + sx * mark_x
    if pos != 0:
        raise RuntimeError(f"window {window_index} {sel['y']}/{sel['x']}: position still open after the window")
    return trades, pnl, held, gross_notional, net_notional


# ------------------------------------------------------------------------------------------- metrics


def periods_per_year(timeline):
    """Rule 12: 'auto' from the median bar spacing."""
    spacing_days = float(np.median(np.diff(timeline))) / NS_PER_DAY
    if spacing_days < 0.5:
        return 252 * round(6.5 * 60 / (spacing_days * 24 * 60)) if spacing_days > 0 else 252
    if spacing_days <= 4:
        return 252
    if spacing_days <= 10:
        return 52
    return 12


def metrics(returns, equity, initial, trades, held, gross_exp, net_exp, ppy):
    """Rule 12."""
    r = np.asarray(returns)
    n = len(r)
    final = float(equity[-1]) if n else initial
    total = final / initial - 1
    ann = (1 + total) ** (ppy / n) - 1 if n else 0.0
    sd = float(np.std(r, ddof=1)) if n > 1 else 0.0
    mean = float(np.mean(r)) if n else 0.0
    down = math.sqrt(float(np.sum(np.minimum(r, 0) ** 2)) / n) if n else 0.0
    peak = np.maximum.accumulate(np.concatenate([[initial], equity]))[1:]
    mdd = float(np.max(1 - np.asarray(equity) / peak)) if n else 0.0
    net = [t["netPnl"] for t in trades]
    traded_notional = sum(t["notional"] for t in trades)
    return {
        "totalReturn": total,
        "totalReturnProduct": float(np.prod(1 + r) - 1),
        "annualizedReturn": ann,
        "annualizedVolatility": sd * math.sqrt(ppy),
        "sharpe": mean / sd * math.sqrt(ppy) if sd > 0 else 0.0,
        "sortino": mean / down * math.sqrt(ppy) if down > 0 else 0.0,
        "maxDrawdown": mdd,
        "calmar": ann / mdd if mdd > 0 else 0.0,
        "hitRate": (sum(1 for v in net if v > 0) / len(net)) if net else None,
        "turnover": traded_notional / float(np.mean(equity)) if n else 0.0,
        "timeInMarket": float(np.mean(held)) if n else 0.0,
        "averageGrossExposure": float(np.mean(gross_exp)) if n else 0.0,
        "averageNetExposure": float(np.mean(net_exp)) if n else 0.0,
        "bars": n,
        "trades": len(trades),
        "periodsPerYear": ppy,
        "initialCapital": initial,
        "finalEquity": final,
        "grossPnl": sum(t["grossPnl"] for t in trades),
        "commission": sum(t["commission"] for t in trades),
        "slippage": sum(t["slippage"] for t in trades),
        "borrow": sum(t["borrow"] for t in trades),
        "netPnl": final - initial,
        "netPnlOfTrades": sum(net),
    }


# ---------------------------------------------------------------------------------------------- main


def run(args):
    report = json.load(open(args.report))
    cfg = report["config"]
    if cfg["method"] != "engle-granger" or cfg["fdrQ"] is not None or cfg["universe"] != "all":
        raise SystemExit("the reference covers method engle-granger, fdrQ null, universe all")
    if cfg["maxHurst"] is not None:
        raise SystemExit("the reference does not implement maxHurst")
    symbols, timeline, close, open_ = load_panel(args.data, args.override)
    if symbols != report["symbols"]:
        raise SystemExit(f"panel symbols {symbols} differ from the report's {report['symbols']}")
    wins = windows_of(len(timeline), cfg)
    ppy = periods_per_year(timeline) if cfg["periodsPerYear"] == "auto" else cfg["periodsPerYear"]

    equity = cfg["initialCapital"]
    all_trades, eq_curve, rets, gross_exp, net_exp, held_all, ts_all = [], [], [], [], [], [], []
    windows_out, selection_checks = [], []
    for w, win in enumerate(wins):
        rw = report["windows"][w] if w < len(report["windows"]) else None
        own, elig, filled = select_window(symbols, close, win, cfg)
        for sel in (rw or {}).get("selected", []):
            st = check_selected(symbols, elig, filled, sel, cfg)
            selection_checks.append({"window": w, "y": sel["y"], "x": sel["x"], **st})
        t0, t1 = win[2], win[3]
        capital = equity / cfg["topK"]
        pnl = np.zeros(t1 - t0)
        gn = np.zeros(t1 - t0)
        nn = np.zeros(t1 - t0)
        held = np.zeros(t1 - t0, dtype=bool)
        w_trades = []
        for sel in (rw or {}).get("selected", []):
            tr, p, h, g, nt = simulate_pair(sel, timeline, close, open_, symbols, t0, t1, capital, cfg, w)
            w_trades += tr
            pnl += p
            gn += g
            nn += nt
            held |= h
        start_equity = equity
        for k in range(t1 - t0):
            prev = equity
            equity = equity + pnl[k]
            rets.append(pnl[k] / prev)
            eq_curve.append(equity)
            gross_exp.append(gn[k] / equity)
            net_exp.append(nn[k] / equity)
            held_all.append(bool(held[k]))
            ts_all.append(str(int(timeline[t0 + k])))
        all_trades += w_trades
        windows_out.append({
            "index": w,
            "trainStartIndex": win[0],
            "trainEndIndex": win[1],
            "testStartIndex": t0,
            "testEndIndex": t1,
            **own,
            "pairCapital": capital,
            "pnl": equity - start_equity,
            "return": equity / start_equity - 1,
            "trades": len(w_trades),
        })
    all_trades.sort(key=lambda t: (t["entryIndex"], t["window"], t["y"], t["x"]))
    summary = metrics(rets, eq_curve, cfg["initialCapital"], all_trades, held_all, gross_exp, net_exp, ppy)
    return report, {
        "case": args.case,
        "flags": args.flags,
        "config": cfg,
        "symbols": symbols,
        "windows": windows_out,
        "selectionChecks": selection_checks,
        "trades": all_trades,
        "summary": summary,
        "coverage": COVERAGE,
        "equityCurve": {
            "timestampsNs": ts_all,
            "equity": eq_curve,
            "returns": rets,
            "grossExposure": gross_exp,
            "netExposure": net_exp,
            "inMarket": held_all,
        },
    }


# ------------------------------------------------------------------------------------------ compare


class Diff:
    """Max abs / rel difference per field."""

    def __init__(self, rtol, atol):
        self.rtol, self.atol = rtol, atol
        self.fields = {}
        self.failures = []

    def num(self, field, ours, theirs, where=""):
        st = self.fields.setdefault(field, [0.0, 0.0, 0])
        st[2] += 1
        if ours is None or theirs is None:
            if ours is not theirs and not (ours is None and theirs is None):
                self.failures.append(f"{where}{field}: reference {ours} vs report {theirs}")
            return
        if isinstance(ours, float) and math.isinf(ours) and ours == theirs:
            return
        a = abs(ours - theirs)
        r = a / max(abs(ours), abs(theirs)) if a > 0 else 0.0
        st[0] = max(st[0], a)
        st[1] = max(st[1], r)
        if not (a <= self.atol or r <= self.rtol):
            self.failures.append(f"{where}{field}: reference {ours!r} vs report {theirs!r} (abs {a:.3g}, rel {r:.3g})")

    def exact(self, field, ours, theirs, where=""):
        st = self.fields.setdefault(field, [0.0, 0.0, 0])
        st[2] += 1
        if ours != theirs:
            st[0] = math.inf
            self.failures.append(f"{where}{field}: reference {ours!r} vs report {theirs!r}")

    def print(self):
        print(f"{'field':<28}{'n':>6}{'max abs':>14}{'max rel':>14}")
        for f, (a, r, n) in self.fields.items():
            print(f"{f:<28}{n:>6}{a:>14.3g}{r:>14.3g}")


SELECTION_FIELDS = ["hedgeRatio", "intercept", "pValue", "pValueUsed", "pValueReverse", "adfStat", "legWeightY",
                    "halfLifeBars", "correlation", "spreadMean", "spreadStd"]
TRADE_EXACT = ["window", "y", "x", "side", "signalIndex", "entryIndex", "exitIndex", "holdingBars", "exitReason",
               "signalNs", "entryNs", "exitNs"]
TRADE_NUM = ["hedgeRatio", "entryZ", "exitZ", "entryPriceY", "entryPriceX", "exitPriceY", "exitPriceX", "sharesY",
             "sharesX", "grossPnl", "commission", "slippage", "borrow", "netPnl"]
SUMMARY_NUM = ["totalReturn", "annualizedReturn", "annualizedVolatility", "sharpe", "sortino", "maxDrawdown", "calmar",
               "hitRate", "turnover", "timeInMarket", "averageGrossExposure", "averageNetExposure", "grossPnl",
               "commission", "slippage", "borrow", "netPnl", "finalEquity"]


def compare(report, ours, rtol, atol):
    d = Diff(rtol, atol)
    d.exact("windows.count", len(ours["windows"]), len(report["windows"]))
    for ow, rw in zip(ours["windows"], report["windows"]):
        where = f"window {ow['index']}: "
        for f in ["trainStartIndex", "trainEndIndex", "testStartIndex", "testEndIndex", "symbolsEligible",
                  "pairsConsidered", "pairsTested", "pairsRejectedHedge", "pairsPassedCoint", "pairsPassed"]:
            d.exact(f"window.{f}", ow[f], rw[f], where)
        d.exact("window.selected", ow["selected"], [[s["y"], s["x"]] for s in rw["selected"]], where)
        for s in rw["selected"]:
            d.num("window.pairCapital", ow["pairCapital"], s["pairCapital"], where)
        d.num("window.pnl", ow["pnl"], rw["pnl"], where)
        d.num("window.return", ow["return"], rw["return"], where)
        d.exact("window.trades", ow["trades"], rw["trades"], where)
    checks = {(c["window"], c["y"], c["x"]): c for c in ours["selectionChecks"]}
    for rw in report["windows"]:
        for s in rw["selected"]:
            c = checks[(rw["index"], s["y"], s["x"])]
            where = f"window {rw['index']} {s['y']}/{s['x']}: "
            d.exact("selected.eligible", (c["eligibleY"], c["eligibleX"]), (True, True), where)
            for f in SELECTION_FIELDS:
                d.num(f"selected.{f}", c[f], s[f], where)
    d.exact("trades.count", len(ours["trades"]), len(report["trades"]))
    key = lambda t: (t["window"], t["y"], t["x"], t["entryIndex"])  # noqa: E731
    theirs = {key(t): t for t in report["trades"]}
    for t in ours["trades"]:
        r = theirs.pop(key(t), None)
        where = f"trade w{t['window']} {t['y']}/{t['x']} entry {t['entryIndex']}: "
        if r is None:
            d.failures.append(f"{where}missing from the report")
            continue
        for f in TRADE_EXACT:
            d.exact(f"trade.{f}", t[f], r[f], where)
        for f in TRADE_NUM:
            d.num(f"trade.{f}", t[f], r[f], where)
    for k in theirs:
        d.failures.append(f"trade {k}: in the report, not in the reference")
    for f in SUMMARY_NUM:
        d.num(f"summary.{f}", ours["summary"][f], report["summary"][f])
    d.exact("summary.bars", ours["summary"]["bars"], report["summary"]["bars"])
    d.exact("summary.trades", ours["summary"]["trades"], report["summary"]["trades"])
    d.exact("summary.periodsPerYear", ours["summary"]["periodsPerYear"], report["summary"]["periodsPerYear"])
    oc, rc = ours["equityCurve"], report["equityCurve"]
    d.exact("equity.timestampsNs", oc["timestampsNs"], rc["timestampsNs"])
    for f in ["equity", "returns", "grossExposure", "netExposure"]:
        for i, (a, b) in enumerate(zip(oc[f], rc[f])):
            d.num(f"equity.{f}", a, b, f"bar {i}: ")
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder of source CSVs (date,open,high,low,close,volume,Name)")
    ap.add_argument("--override", action="append", default=[], help="CSV replacing the same-named file of --data")
    ap.add_argument("--report", required=True, help="report.json of mmtape walk-forward")
    ap.add_argument("--out", help="write the reference's results here (JSON)")
    ap.add_argument("--case", default=None, help="case name stored in the output")
    ap.add_argument("--flags", default=None, help="CLI flags of the run, stored in the output")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance (money, exposures)")
    ap.add_argument("--max-failures", type=int, default=20)
    args = ap.parse_args()
    report, ours = run(args)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ours, f, allow_nan=False, default=lambda v: None)
            f.write("\n")
        os.replace(tmp, args.out)
    d = compare(report, ours, args.rtol, args.atol)
    print(f"case {args.case or args.report}: {len(ours['trades'])} reference trades, {len(report['trades'])} in the report")
    print("coverage: " + ", ".join(f"{k} {v}" for k, v in ours["coverage"].items()))
    d.print()
    if d.failures:
        print(f"{len(d.failures)} MISMATCHES (first {args.max_failures}):")
        for line in d.failures[: args.max_failures]:
            print("  " + line)
        sys.exit(1)
    print("all fields match")


if __name__ == "__main__":
    main()
