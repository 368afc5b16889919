#!/usr/bin/env python3
"""Generate test/fixtures/adf-coint.json: statsmodels reference values for @mmtape/walk-forward.

Run from the repository root (needs numpy + statsmodels, e.g. Debian python3-statsmodels):

    /usr/bin/python3 packages/walk-forward/scripts/generate-fixtures.py

Synthetic inputs are seeded (numpy default_rng), and the real windows are read from
shared/data/sp500-5yr-daily (KO/PEP, XOM/CVX closes, 252 days). The JSON stores the inputs themselves, so
the TypeScript tests never call python and never read the data set.
"""
import json
import os
import sys

import numpy as np
import statsmodels
from statsmodels.tsa.adfvalues import mackinnoncrit, mackinnonp
from statsmodels.tsa.stattools import adfuller, coint

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "adf-coint.json")
DATA_CANDIDATES = [
    os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "sp500-5yr-daily", "individual_stocks_5yr"),
    "/work/shared/data/sp500-5yr-daily/individual_stocks_5yr",
]


def random_walk(rng, n, start=50.0, sd=1.0):
    return start + np.cumsum(rng.normal(0.0, sd, n))


def ar1(rng, n, phi, mean=10.0, sd=1.0):
    out = np.empty(n)
    s = 0.0
    for t in range(n):
        s = phi * s + rng.normal(0.0, sd)
        out[t] = mean + s
    return out


def cointegrated(rng, n, beta=1.5, alpha=5.0, phi=0.8):
    x = random_walk(rng, n, start=40.0)
    u = ar1(rng, n, phi, mean=0.0, sd=0.8)
    return alpha + beta * x + u, x


def adf_case(name, series, lags, regression, autolag=None):
    """lags: the maxlag passed to adfuller (None = statsmodels' default); autolag None = fixed lag."""
    res = adfuller(series, maxlag=lags, autolag=autolag, regression=regression)
    stat, pvalue, usedlag, nobs, crit = res[:5]
    icbest = res[5] if autolag is not None else None
    return {
        "name": name,
        "series": [float(v) for v in series],
        "lags": lags,
        "autolag": autolag.lower() if autolag else None,
        "regression": regression,
        "stat": float(stat),
        "pValue": float(pvalue),
        "usedLag": int(usedlag),
        "nobs": int(nobs),
        "icBest": None if icbest is None else float(icbest),
        "criticalValues": {k: float(v) for k, v in crit.items()},
    }


def residual_adf(y, x, maxlag, autolag, trend="c"):
    """The ADF step of coint, re-run to expose usedlag, nobs and icbest (coint returns only stat, p, crit)."""
    import statsmodels.api as sm
    from statsmodels.tsa.tsatools import add_trend
    xx = add_trend(np.asarray(x)[:, None], trend=trend, prepend=False) if trend != "n" else np.asarray(x)[:, None]
    res = sm.OLS(np.asarray(y), xx).fit()
    if res.rsquared >= 1 - 100 * np.sqrt(np.finfo(np.double).eps):
        return None
    out = adfuller(res.resid, maxlag=maxlag, autolag=autolag, regression="n")
    return out


def coint_case(name, y, x, lags, autolag=None, trend="c"):
    """lags: coint's maxlag (None = default); autolag None = fixed lag."""
    stat, pvalue, crit = coint(y, x, trend=trend, maxlag=lags, autolag=autolag)
    adf_res = residual_adf(y, x, lags, autolag, trend)
    return {
        "name": name,
        "y": [float(v) for v in y],
        "x": [float(v) for v in x],
        "lags": lags,
        "autolag": autolag.lower() if autolag else None,
        "trend": trend,
        "stat": float(stat),
        "pValue": float(pvalue),
        "usedLag": None if adf_res is None else int(adf_res[2]),
        "nobs": None if adf_res is None else int(adf_res[3]),
        "icBest": None if adf_res is None or autolag is None else float(adf_res[5]),
        "criticalValues": {"1%": float(crit[0]), "5%": float(crit[1]), "10%": float(crit[2])},
    }


def load_closes(symbol):
    for d in DATA_CANDIDATES:
        path = os.path.join(d, f"{symbol}_data.csv")
        if os.path.exists(path):
            closes = []
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.strip().split(",")
                    closes.append((parts[0], float(parts[4])))
            return closes
    raise FileNotFoundError(f"{symbol}_data.csv not found in {DATA_CANDIDATES}")


def real_pair(a, b, start_date, days):
    ca = dict(load_closes(a))
    cb = dict(load_closes(b))
    dates = sorted(d for d in ca if d in cb and d >= start_date)[:days]
    return [ca[d] for d in dates], [cb[d] for d in dates], dates[0], dates[-1]


def main():
    adf_cases = []
    coint_cases = []
    rng = np.random.default_rng(20240601)
    for n in (100, 250, 500):
        rw = random_walk(rng, n)
        st = ar1(rng, n, 0.7)
        for lags in (0, 1, 3):
            for reg in ("c", "n", "ct"):
                adf_cases.append(adf_case(f"random-walk n={n} lags={lags} reg={reg}", rw, lags, reg))
                adf_cases.append(adf_case(f"ar1(0.7) n={n} lags={lags} reg={reg}", st, lags, reg))
        y, x = cointegrated(rng, n)
        y2 = random_walk(rng, n, start=30.0)
        for lags in (0, 1, 2):
            coint_cases.append(coint_case(f"cointegrated n={n} lags={lags}", y, x, lags))
            coint_cases.append(coint_case(f"independent walks n={n} lags={lags}", y2, x, lags))

    for a, b in (("KO", "PEP"), ("XOM", "CVX")):
        ya, xb, first, last = real_pair(a, b, "2016-01-01", 252)
        for lags in (1, 2):
            coint_cases.append(coint_case(f"{a}/{b} closes {first}..{last} lags={lags}", ya, xb, lags))
        adf_cases.append(adf_case(f"{a} closes {first}..{last} lags=1 reg=c", np.array(ya), 1, "c"))

    # Automatic lag selection (statsmodels defaults: maxlag None, autolag AIC) and the other criteria.
    rng2 = np.random.default_rng(20240602)
    for n in (60, 120, 252, 500):
        rw = random_walk(rng2, n)
        st = ar1(rng2, n, 0.5)
        for reg in ("n", "c", "ct", "ctt"):
            for auto in ("AIC", "BIC", "t-stat"):
                adf_cases.append(adf_case(f"random-walk n={n} autolag={auto} reg={reg}", rw, None, reg, auto))
                adf_cases.append(adf_case(f"ar1(0.5) n={n} autolag={auto} reg={reg}", st, None, reg, auto))
            adf_cases.append(adf_case(f"ar1(0.5) n={n} maxlag=4 autolag=AIC reg={reg}", st, 4, reg, "AIC"))
            adf_cases.append(adf_case(f"random-walk n={n} lags=2 reg={reg}", rw, 2, reg))
        y, x = cointegrated(rng2, n, phi=0.9)
        y2 = random_walk(rng2, n, start=30.0)
        for auto in ("aic", "bic", "t-stat"):
            coint_cases.append(coint_case(f"cointegrated n={n} autolag={auto}", y, x, None, auto))
            coint_cases.append(coint_case(f"independent walks n={n} autolag={auto}", y2, x, None, auto))
        for trend in ("ct", "ctt", "n"):
            coint_cases.append(coint_case(f"cointegrated n={n} autolag=aic trend={trend}", y, x, None, "aic", trend))
    # Collinear pair: y = 2x + 1 exactly (R² = 1): stat -inf, p 0.
    xc = random_walk(rng2, 100)
    coint_cases.append(coint_case("collinear y=2x+1", 2 * xc + 1, xc, None, "aic"))

    # Real 252-bar windows of sp500-5yr-daily, statsmodels' default coint (autolag AIC) and a fixed lag.
    pairs = (("KO", "PEP"), ("XOM", "CVX"), ("JPM", "BAC"), ("MSFT", "AAPL"), ("HD", "LOW"), ("GS", "MS"),
             ("WMT", "TGT"), ("DUK", "SO"), ("MCD", "YUM"), ("UNP", "CSX"))
    for a, b in pairs:
        for start in ("2013-06-01", "2015-01-01", "2016-07-01"):
            ya, xb, first, last = real_pair(a, b, start, 252)
            coint_cases.append(coint_case(f"{a}/{b} closes {first}..{last} autolag=aic", ya, xb, None, "aic"))
        adf_cases.append(adf_case(f"{a} closes {first}..{last} autolag=AIC reg=c", np.array(ya), None, "c", "AIC"))

    # mackinnonp over a grid of statistics, both tables' branches.
    pvalues = []
    for reg in ("n", "c", "ct", "ctt"):
        for N in (1, 2, 3):
            for stat in np.linspace(-20.0, 3.0, 47):
                pvalues.append({"stat": float(stat), "regression": reg, "N": N,
                                "pValue": float(mackinnonp(float(stat), regression=reg, N=N))})
    crits = []
    for reg, ns in (("n", (1,)), ("c", (1, 2, 3, 4)), ("ct", (1, 2, 3, 4)), ("ctt", (1, 2, 3, 4))):
        for N in ns:
            for nobs in (25, 100, 251, 1000, float("inf")):
                cv = mackinnoncrit(N=N, regression=reg, nobs=nobs)
                crits.append({"N": N, "regression": reg, "nobs": None if nobs == float("inf") else nobs,
                              "criticalValues": [float(v) for v in cv]})

    doc = {
        "generator": "packages/walk-forward/scripts/generate-fixtures.py",
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "adf": adf_cases,
        "coint": coint_cases,
        "mackinnonp": pvalues,
        "mackinnoncrit": crits,
    }
    def finite_json(v):
        # JSON has no Infinity/NaN: write them as the strings "Infinity", "-Infinity", "NaN".
        if isinstance(v, float) and not np.isfinite(v):
            return "NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        if isinstance(v, dict):
            return {k: finite_json(x) for k, x in v.items()}
        if isinstance(v, list):
            return [finite_json(x) for x in v]
        return v

    with open(OUT, "w") as f:
        json.dump(finite_json(doc), f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(adf_cases)} adf, {len(coint_cases)} coint, {len(pvalues)} p-values")


if __name__ == "__main__":
    main()
