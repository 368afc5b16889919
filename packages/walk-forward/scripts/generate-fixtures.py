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


def adf_case(name, series, lags, regression):
    stat, pvalue, usedlag, nobs, crit = adfuller(series, maxlag=lags, autolag=None, regression=regression)[:5]
    return {
        "name": name,
        "series": [float(v) for v in series],
        "lags": lags,
        "regression": regression,
        "stat": float(stat),
        "pValue": float(pvalue),
        "usedLag": int(usedlag),
        "nobs": int(nobs),
        "criticalValues": {k: float(v) for k, v in crit.items()},
    }


def coint_case(name, y, x, lags):
    stat, pvalue, crit = coint(y, x, trend="c", maxlag=lags, autolag=None)
    return {
        "name": name,
        "y": [float(v) for v in y],
        "x": [float(v) for v in x],
        "lags": lags,
        "stat": float(stat),
        "pValue": float(pvalue),
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

    # mackinnonp over a grid of statistics, both tables' branches.
    pvalues = []
    for reg in ("n", "c", "ct"):
        for N in (1, 2, 3):
            for stat in np.linspace(-20.0, 3.0, 47):
                pvalues.append({"stat": float(stat), "regression": reg, "N": N,
                                "pValue": float(mackinnonp(float(stat), regression=reg, N=N))})
    crits = []
    for reg, ns in (("n", (1,)), ("c", (1, 2, 3, 4)), ("ct", (1, 2, 3, 4))):
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
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(adf_cases)} adf, {len(coint_cases)} coint, {len(pvalues)} p-values")


if __name__ == "__main__":
    main()
