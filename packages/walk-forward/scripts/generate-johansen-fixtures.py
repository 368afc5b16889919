#!/usr/bin/env python3
"""Generate test/fixtures/johansen.json: statsmodels `coint_johansen` reference values for @mmtape/walk-forward.

Run from the repository root (needs numpy + statsmodels, e.g. Debian python3-statsmodels):

    /usr/bin/python3 packages/walk-forward/scripts/generate-johansen-fixtures.py

Inputs:
- real 252-bar windows of daily closes from apps/cli/demo-data/sp500-30 (10 pairs, 2 triples), aligned by date
  (dates present in every series of the group);
- seeded synthetic series (numpy default_rng): cointegrated pairs, a triple with one cointegrating relation,
  four series with two relations, independent random walks.

Every dataset is run through coint_johansen(endog, det_order, k_ar_diff) for det_order -1/0/1 and
k_ar_diff 0/1/2. The JSON stores the inputs themselves (once per dataset), so the TypeScript tests never call
python and never read the demo data.
"""
import json
import os
import sys

import numpy as np
import statsmodels
from statsmodels.tsa.vector_ar.vecm import coint_johansen

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "johansen.json")
DEMO = os.path.join(HERE, "..", "..", "..", "apps", "cli", "demo-data", "sp500-30")
WINDOW_BARS = 252


def load_closes(symbol):
    out = {}
    with open(os.path.join(DEMO, f"{symbol}_data.csv")) as f:
        header = next(f).strip().split(",")
        date_col, close_col = header.index("date"), header.index("close")
        for line in f:
            parts = line.strip().split(",")
            if len(parts) <= close_col or parts[close_col] == "":
                continue
            out[parts[date_col]] = float(parts[close_col])
    return out


def real_group(symbols, start_date):
    closes = [load_closes(s) for s in symbols]
    common = set(closes[0])
    for c in closes[1:]:
        common &= set(c)
    dates = sorted(d for d in common if d >= start_date)[:WINDOW_BARS]
    if len(dates) < WINDOW_BARS:
        raise ValueError(f"{symbols} from {start_date}: only {len(dates)} common dates")
    return [[c[d] for d in dates] for c in closes], dates[0], dates[-1]


def random_walk(rng, n, start=50.0, sd=1.0):
    return start + np.cumsum(rng.normal(0.0, sd, n))


def ar1(rng, n, phi, sd=1.0):
    out = np.empty(n)
    s = 0.0
    for t in range(n):
        s = phi * s + rng.normal(0.0, sd)
        out[t] = s
    return out


def synthetic(rng):
    sets = []
    for n in (120, 252, 500):
        x = random_walk(rng, n, start=40.0)
        y = 5.0 + 1.5 * x + ar1(rng, n, 0.7, 0.8)
        sets.append((f"synthetic cointegrated pair y = 5 + 1.5x + AR(1) n={n}", [y, x]))
    n = 252
    sets.append(("synthetic independent random walks n=252", [random_walk(rng, n), random_walk(rng, n, 30.0)]))
    trend = np.arange(n) * 0.05
    x = random_walk(rng, n, start=20.0) + trend
    y = 2.0 + 0.8 * x + ar1(rng, n, 0.5, 0.5)
    sets.append(("synthetic cointegrated pair with drift n=252", [y, x]))
    # Triple: y1 - 0.5 y2 - y3 stationary; y2, y3 independent walks.
    y2 = random_walk(rng, n, 30.0)
    y3 = random_walk(rng, n, 60.0)
    y1 = 0.5 * y2 + y3 + ar1(rng, n, 0.6, 0.7)
    sets.append(("synthetic triple, one relation n=252", [y1, y2, y3]))
    # Four series, two common trends, two relations.
    w1 = random_walk(rng, 400, 10.0)
    w2 = random_walk(rng, 400, 25.0)
    four = [
        w1 + ar1(rng, 400, 0.5, 0.5),
        2.0 * w1 + ar1(rng, 400, 0.3, 0.6),
        w2 + ar1(rng, 400, 0.7, 0.4),
        w1 - w2 + ar1(rng, 400, 0.2, 0.5),
    ]
    sets.append(("synthetic four series, two trends n=400", four))
    five = [random_walk(rng, 300, 10.0 * (i + 1)) for i in range(5)]
    sets.append(("synthetic five independent random walks n=300", five))
    return sets


def finite_json(v):
    # JSON has no Infinity/NaN: write them as the strings "Infinity", "-Infinity", "NaN".
    if isinstance(v, float) and not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: finite_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite_json(x) for x in v]
    return v


def main():
    datasets = []
    pairs = (("KO", "PEP", "2016-01-01"), ("XOM", "CVX", "2015-01-01"), ("JPM", "BAC", "2016-06-01"),
             ("GS", "MS", "2014-01-01"), ("HD", "LOW", "2015-06-01"), ("DUK", "SO", "2016-01-01"),
             ("GOOG", "GOOGL", "2016-01-01"), ("V", "MA", "2014-06-01"), ("T", "VZ", "2013-06-01"),
             ("UPS", "FDX", "2016-06-01"), ("AMAT", "LRCX", "2015-01-01"))
    for a, b, start in pairs:
        series, first, last = real_group((a, b), start)
        datasets.append((f"{a}/{b} closes {first}..{last}", series))
    for group, start in ((("XOM", "CVX", "COP"), "2014-01-01"), (("JPM", "BAC", "C"), "2015-06-01")):
        series, first, last = real_group(group, start)
        datasets.append((f"{'/'.join(group)} closes {first}..{last}", series))
    datasets += synthetic(np.random.default_rng(20260612))

    out_sets = []
    cases = []
    for name, series in datasets:
        endog = np.column_stack([np.asarray(s, dtype=float) for s in series])
        out_sets.append({"name": name, "series": [[float(v) for v in col] for col in endog.T]})
        for det_order in (-1, 0, 1):
            for k_ar_diff in (0, 1, 2):
                r = coint_johansen(endog, det_order, k_ar_diff)
                cases.append({
                    "dataset": len(out_sets) - 1,
                    "detOrder": det_order,
                    "kArDiff": k_ar_diff,
                    "nobs": int(r.rkt.shape[0]),
                    "eig": [float(v) for v in np.real(r.eig)],
                    # evec[i][j]: component i of eigenvector j (columns are vectors, as statsmodels).
                    "evec": [[float(v) for v in row] for row in np.real(r.evec)],
                    "lr1": [float(v) for v in r.lr1],
                    "lr2": [float(v) for v in r.lr2],
                    "cvt": [[float(v) for v in row] for row in r.cvt],
                    "cvm": [[float(v) for v in row] for row in r.cvm],
                })

    doc = {
        "generator": "packages/walk-forward/scripts/generate-johansen-fixtures.py",
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "datasets": out_sets,
        "cases": cases,
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(finite_json(doc), f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    os.replace(tmp, OUT)
    print(f"wrote {OUT}: {len(out_sets)} datasets, {len(cases)} cases")


if __name__ == "__main__":
    main()
