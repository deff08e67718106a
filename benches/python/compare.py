#!/usr/bin/env python3
"""Time the Python binding `canary_judge.mann_whitney` against scipy and R, in one run.

For n = m = 1e3 ... 1e6 (seeded log-normal latencies, canary +1 %, the data of
benches/compare/mann_whitney.py, whose helpers this script reuses):

* binding -- `canary_judge.mann_whitney(x, y)` on float64 numpy arrays (zero-copy):
             U, p-value, Hodges-Lehmann estimate and 95 % CI (R's wilcox.test semantics);
* scipy   -- `scipy.stats.mannwhitneyu(x, y, method="asymptotic")` (U and p only);
* R       -- `wilcox.test(x, y, conf.int = TRUE)` via Rscript, when present, up to
             --r-max-size (default 1e5: R's interval search takes tens of seconds beyond).

Times are medians of the repeats (wall clock of the call only). Ratios > 1 mean the
binding is faster. Exit status 1 when statistic or p-value disagrees with scipy.

Usage: python benches/python/compare.py [--sizes 1e3,1e4,1e5,1e6] [--r-max-size 1e5]
       [--repeats 5] [--json]
Needs numpy, scipy and canary_judge importable (scripts/test.sh sets up .venv with all
three: `.venv/bin/python benches/python/compare.py`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "compare"))

import mann_whitney as mw  # noqa: E402  (benches/compare/mann_whitney.py)


def time_binding(x, y, repeats: int) -> dict:
    import canary_judge as cj

    cj.mann_whitney(x, y)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = cj.mann_whitney(x, y)
        times.append(time.perf_counter() - t0)
    return {"median_seconds": statistics.median(times), "times": times,
            "statistic": r.statistic, "p_value": r.pvalue, "estimate": r.estimate,
            "ci": {"low": r.confidence_interval.low, "high": r.confidence_interval.high,
                   "level": r.confidence_level}, "method": r.method}


def ratio(other: dict, ours: dict) -> str:
    if "skipped" in other:
        return "-"
    return f"{other['median_seconds'] / ours['median_seconds']:.1f}x"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=mw.parse_sizes, default=mw.parse_sizes("1e3,1e4,1e5,1e6"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--r-repeats", type=int, default=3)
    ap.add_argument("--r-max-size", type=mw.parse_size, default=100_000)
    ap.add_argument("--rscript", default=shutil.which("Rscript"))
    ap.add_argument("--seed", type=int, default=20240)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="canary-py-mw-") as tmp:
        data_dir = Path(tmp)
        r_script = data_dir / "time_wilcox.R"
        r_script.write_text(mw.R_SCRIPT)
        for n in args.sizes:
            x, y = mw.samples(n, args.seed)
            xf, yf = data_dir / f"x_{n}.f64", data_dir / f"y_{n}.f64"
            x.astype("<f8").tofile(xf)
            y.astype("<f8").tofile(yf)
            print(f"n = {n:,}: binding ...", file=sys.stderr, end="", flush=True)
            binding = time_binding(x, y, args.repeats)
            print(" scipy ...", file=sys.stderr, end="", flush=True)
            method = "exact" if binding["method"] == "exact" else "asymptotic"
            sp = mw.run_scipy(x, y, args.repeats, method)
            print(" R ...", file=sys.stderr, end="", flush=True)
            r = mw.run_r(args.rscript, r_script, xf, yf, n, args.r_max_size, args.r_repeats)
            print(" done", file=sys.stderr, flush=True)
            ok = "skipped" in sp or (
                binding["statistic"] == sp["statistic"]
                and mw.rel_diff(binding["p_value"], sp["p_value"]) <= mw.SCIPY_P_RTOL)
            rows.append({"size": n, "binding": binding, "scipy": sp, "r": r, "scipy_parity": ok})

    if args.json:
        print(json.dumps({"machine": mw.machine_info(args.rscript), "results": rows}, indent=2))
    else:
        info = mw.machine_info(args.rscript)
        print(f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
              f"numpy {info['numpy']}, scipy {info['scipy']}; {info['r']}")
        print("Median wall time per call; ratio = other / binding (> 1: binding faster). "
              "scipy returns U and p only; the binding and R also the estimate and CI.\n")
        head = ["n = m", "canary_judge", "scipy", "R", "scipy/ours", "R/ours", "parity"]
        body = [[f"{row['size']:,}", mw.fmt_time(row["binding"]), mw.fmt_time(row["scipy"]),
                 mw.fmt_time(row["r"]), ratio(row["scipy"], row["binding"]),
                 ratio(row["r"], row["binding"]), "ok" if row["scipy_parity"] else "MISMATCH"]
                for row in rows]
        widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
        for cells in [head] + body:
            print("| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |")
    return 0 if all(row["scipy_parity"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
