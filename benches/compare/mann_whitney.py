#!/usr/bin/env python3
"""Time Mann-Whitney in Canary Judge, scipy and R on the same data, and check parity.

For each size n (n = m), two seeded log-normal latency samples are generated (baseline
median 120 ms, sigma 0.35; canary shifted +1 %) and written as raw little-endian f64
files. Then, in the same run:

* ours   -- the release binary `time_mann_whitney` (canary-benches), built once with
            cargo; `canary_stats::mann_whitney` with default options, i.e. R's
            `wilcox.test(x, y, conf.int = TRUE)`: test, Hodges-Lehmann estimate and
            95 % CI. Time of the call only (its internal sorts included, loading not).
* scipy  -- `scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
            method="asymptotic")` in-process. Note: statistic and p-value only, no
            estimate or interval, i.e. less work than ours or R.
* R      -- `Rscript` timing `wilcox.test(x, y, conf.int = TRUE)` with `proc.time`
            around the call only (1 ms resolution); skipped above --r-max-size, since
            R's interval search takes tens of seconds from 1e5 on.
* binding -- `canary_judge.mann_whitney` (Python bindings) when importable.

Every time is the median of the repeats, in seconds. x is the canary, y the baseline,
so the estimate is canary - baseline (about +1.2 ms).

Parity: statistic and p-value must agree with scipy (exit status 1 otherwise); R's
statistic, p-value, estimate and interval are compared with ours and reported only --
R's asymptotic estimate and interval ends are `uniroot` roots with `tol.root = 1e-4`,
ours are exact (the median / order statistics of the pairwise differences); for even
n*m R's estimate may be any point between the two middle differences, which is checked.

Usage: python3 mann_whitney.py [--sizes 1e3,1e4,1e5,1e6] [--r-max-size 1e5] [--json]
(see --help); `benches/compare/run.sh` sets up numpy, scipy and R first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

BASELINE_MEDIAN_MS = 120.0
CANARY_SHIFT = 1.01
SIGMA = 0.35

# Tolerances of the parity checks.
SCIPY_P_RTOL = 1e-6  # p-value vs scipy (relative); failing it fails the run
R_P_RTOL = 1e-6  # p-value vs R (relative); reported only
R_ROOT_TOL = 2e-4  # estimate / CI ends vs R's uniroot roots (absolute, ms); reported only

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
read_f64 <- function(f) readBin(f, what = "double", n = file.size(f) / 8, size = 8,
                                endian = "little")
x <- read_f64(args[1])
y <- read_f64(args[2])
repeats <- as.integer(args[3])
times <- numeric(repeats)
for (i in seq_len(repeats)) {
  t0 <- proc.time()[["elapsed"]]
  r <- wilcox.test(x, y, conf.int = TRUE)
  times[i] <- proc.time()[["elapsed"]] - t0
}
num <- function(v) if (is.finite(v)) sprintf("%.17g", v) else "null"
cat(sprintf(
  paste0('{"n_x":%d,"n_y":%d,"median_seconds":%s,"times":[%s],"statistic":%s,',
         '"p_value":%s,"estimate":%s,"ci":{"low":%s,"high":%s,"level":%s},',
         '"method":"%s","r_version":"%s"}\n'),
  length(x), length(y), num(median(times)), paste(sapply(times, num), collapse = ","),
  num(unname(r$statistic)), num(r$p.value), num(unname(r$estimate)),
  num(r$conf.int[1]), num(r$conf.int[2]), num(attr(r$conf.int, "conf.level")),
  r$method, paste(R.version$major, R.version$minor, sep = ".")))
"""


def parse_sizes(text: str) -> list[int]:
    """'1e3,1e4,100000' -> [1000, 10000, 100000]."""
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if part:
            value = float(part)
            if value < 1 or value != int(value):
                raise argparse.ArgumentTypeError(f"bad size {part!r}")
            sizes.append(int(value))
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes")
    return sizes


def parse_size(text: str) -> int:
    return parse_sizes(text)[0]


def rel_diff(a: float | None, b: float | None) -> float:
    """|a - b| / max(|a|, |b|), 0 when both are equal (including both 0)."""
    if a is None or b is None:
        return math.inf
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def samples(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(canary, baseline) log-normal latencies in ms, deterministic in (seed, n)."""
    rng = np.random.default_rng([seed, n])
    baseline = rng.lognormal(math.log(BASELINE_MEDIAN_MS), SIGMA, n)
    canary = rng.lognormal(math.log(BASELINE_MEDIAN_MS * CANARY_SHIFT), SIGMA, n)
    return canary, baseline


def build_ours() -> Path:
    """cargo build --release the timing binary; returns the executable's path."""
    cmd = [
        "cargo", "build", "--release", "-p", "canary-benches",
        "--bin", "time_mann_whitney", "--message-format=json-render-diagnostics",
    ]
    print("+ " + " ".join(cmd[:-1]), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"cargo build failed (status {proc.returncode})")
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (msg.get("reason") == "compiler-artifact"
                and msg.get("target", {}).get("name") == "time_mann_whitney"
                and msg.get("executable")):
            return Path(msg["executable"])
    sys.exit("cargo build did not report the time_mann_whitney executable")


def run_ours(exe: Path, xf: Path, yf: Path, repeats: int) -> dict:
    out = subprocess.run([str(exe), str(xf), str(yf), str(repeats)],
                         stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout)


def run_scipy(x: np.ndarray, y: np.ndarray, repeats: int, method: str) -> dict:
    try:
        from scipy.stats import mannwhitneyu
    except ImportError as e:
        return {"skipped": f"scipy not importable ({e})"}
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = mannwhitneyu(x, y, alternative="two-sided", method=method)
        times.append(time.perf_counter() - t0)
    return {"median_seconds": statistics.median(times), "times": times,
            "statistic": float(r.statistic), "p_value": float(r.pvalue), "method": method}


def run_r(rscript: str | None, script: Path, xf: Path, yf: Path, n: int,
          max_size: int, repeats: int) -> dict:
    if rscript is None:
        return {"skipped": "Rscript not found"}
    if n > max_size:
        return {"skipped": f"size > --r-max-size {max_size}"}
    proc = subprocess.run([rscript, "--vanilla", str(script), str(xf), str(yf), str(repeats)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          check=False)
    if proc.returncode != 0:
        return {"skipped": f"Rscript failed: {proc.stderr.strip()[-300:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_binding():
    try:
        import canary_judge  # type: ignore[import-not-found]
        return canary_judge.mann_whitney, None
    except (ImportError, AttributeError) as e:
        return None, f"not built ({type(e).__name__})"


def field(result, name: str):
    """result.name or result[name] (the binding's result type is not fixed yet)."""
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)


def run_binding(fn, why_not: str | None, x: np.ndarray, y: np.ndarray, repeats: int) -> dict:
    if fn is None:
        return {"skipped": why_not}
    args = (x, y)
    try:
        fn(*args)
    except TypeError:  # maybe it wants lists, not numpy arrays
        args = (x.tolist(), y.tolist())
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = fn(*args)
            times.append(time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 -- report whatever the binding raises
        return {"skipped": f"call failed: {type(e).__name__}: {e}"}
    ci = field(r, "confidence_interval")
    return {"median_seconds": statistics.median(times), "times": times,
            "input": "numpy" if isinstance(args[0], np.ndarray) else "list",
            "statistic": field(r, "statistic"),
            "p_value": field(r, "pvalue") if field(r, "p_value") is None else field(r, "p_value"),
            "estimate": field(r, "estimate"),
            "ci": {"low": field(ci, "low"), "high": field(ci, "high")} if ci is not None
            else None}


def count_diffs(x_sorted: np.ndarray, y_sorted: np.ndarray, e: float) -> tuple[int, int]:
    """(#{x_i - y_j < e}, #{x_i - y_j <= e}) over all n*m pairs, in O((n + m) log m)."""
    m = len(y_sorted)
    less = int(np.sum(m - np.searchsorted(y_sorted, x_sorted - e, side="right")))
    less_eq = int(np.sum(m - np.searchsorted(y_sorted, x_sorted - e, side="left")))
    return less, less_eq


def r_estimate_in_middle(x: np.ndarray, y: np.ndarray, e: float) -> bool:
    """Whether R's estimate lies (within R_ROOT_TOL) between the middle pairwise differences.

    R's asymptotic estimate is a uniroot root of W(d) = n*m/2; for even n*m W is flat between
    the two middle differences d_(k) and d_(k+1), k = n*m/2, and any point there is a root,
    whereas ours is their midpoint (the Hodges-Lehmann median).
    """
    nm = len(x) * len(y)
    k_lo, k_hi = (nm // 2, nm // 2 + 1) if nm % 2 == 0 else ((nm + 1) // 2,) * 2
    xs, ys = np.sort(x), np.sort(y)
    _, le_above = count_diffs(xs, ys, e + R_ROOT_TOL)  # d_(k_lo) <= e + tol
    lt_below, _ = count_diffs(xs, ys, e - R_ROOT_TOL)  # d_(k_hi) >= e - tol
    return le_above >= k_lo and lt_below <= k_hi - 1


def parity(ours: dict, scipy: dict, r: dict, binding: dict,
           x: np.ndarray, y: np.ndarray) -> dict:
    out: dict = {}
    if "skipped" not in scipy:
        stat_ok = abs(ours["statistic"] - scipy["statistic"]) <= 1e-9 * max(1.0, ours["statistic"])
        p_rd = rel_diff(ours["p_value"], scipy["p_value"])
        out["scipy"] = {"statistic_equal": stat_ok, "p_value_rel_diff": p_rd,
                        "ok": stat_ok and p_rd <= SCIPY_P_RTOL}
    if "skipped" not in r:
        d_est = abs(ours["estimate"] - r["estimate"])
        d_low = abs(ours["ci"]["low"] - r["ci"]["low"])
        d_high = abs(ours["ci"]["high"] - r["ci"]["high"])
        p_rd = rel_diff(ours["p_value"], r["p_value"])
        in_middle = r_estimate_in_middle(x, y, r["estimate"])
        out["r"] = {
            "statistic_equal": ours["statistic"] == r["statistic"],
            "p_value_rel_diff": p_rd,
            "estimate_abs_diff": d_est, "ci_low_abs_diff": d_low, "ci_high_abs_diff": d_high,
            "ci_level_equal": ours["ci"]["level"] == r["ci"]["level"],
            "r_estimate_between_middle_differences": in_middle,
            # The estimate counts as agreeing when R's root is another point of the flat
            # middle stretch of W(d) (see r_estimate_in_middle).
            "within_tolerance": (ours["statistic"] == r["statistic"] and p_rd <= R_P_RTOL
                                 and max(d_low, d_high) <= R_ROOT_TOL
                                 and (d_est <= R_ROOT_TOL or in_middle)),
        }
    if "skipped" not in binding:
        out["binding"] = {
            "statistic_equal": binding["statistic"] == ours["statistic"],
            "p_value_equal": binding["p_value"] == ours["p_value"],
            "estimate_equal": binding["estimate"] == ours["estimate"],
        }
    return out


def machine_info(rscript: str | None) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__}
    try:
        import scipy
        info["scipy"] = scipy.__version__
    except ImportError:
        info["scipy"] = None
    try:
        info["rustc"] = subprocess.run(["rustc", "--version"], stdout=subprocess.PIPE,
                                       text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["rustc"] = None
    if rscript:
        proc = subprocess.run([rscript, "--version"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
        info["r"] = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else None
    else:
        info["r"] = None
    return info


def fmt_time(result: dict) -> str:
    if "skipped" in result:
        s = result["skipped"]
        return "not built" if s.startswith("not built") else "skipped"
    t = result["median_seconds"]
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_ratio(other: dict, ours: dict) -> str:
    if "skipped" in other or not ours["median_seconds"]:
        return "-"
    return f"{other['median_seconds'] / ours['median_seconds']:.1f}x"


def print_table(rows: list[dict]) -> None:
    head = ["n = m", "ours", "scipy", "R", "binding", "scipy/ours", "R/ours"]
    body = [[f"{row['size']:,}", fmt_time(row["ours"]), fmt_time(row["scipy"]),
             fmt_time(row["r"]), fmt_time(row["binding"]),
             fmt_ratio(row["scipy"], row["ours"]), fmt_ratio(row["r"], row["ours"])]
            for row in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    for r in body:
        print(line(r))


def print_parity(rows: list[dict]) -> None:
    print("\nParity (ours vs others):")
    for row in rows:
        p = row["parity"]
        o = row["ours"]
        parts = [f"n={row['size']:,} [{o['method']}] U={o['statistic']:.17g} "
                 f"p={o['p_value']:.6g} est={o['estimate']:.6g} "
                 f"CI=[{o['ci']['low']:.6g}, {o['ci']['high']:.6g}]"]
        if "scipy" in p:
            s = p["scipy"]
            parts.append(f"  scipy: U {'equal' if s['statistic_equal'] else 'DIFFERS'}, "
                         f"p rel.diff {s['p_value_rel_diff']:.2e} -> "
                         f"{'ok' if s['ok'] else 'MISMATCH'}")
        if "r" in p:
            r = p["r"]
            rr = row["r"]
            parts.append(
                f"  R:     W {'equal' if r['statistic_equal'] else 'DIFFERS'}, "
                f"p rel.diff {r['p_value_rel_diff']:.2e}, "
                f"estimate {rr['estimate']:.10g} (|diff| {r['estimate_abs_diff']:.2e}), "
                f"CI [{rr['ci']['low']:.10g}, {rr['ci']['high']:.10g}] "
                f"(|diff| {r['ci_low_abs_diff']:.2e}, {r['ci_high_abs_diff']:.2e}) -> "
                + ("within tolerance" if r["within_tolerance"]
                   else f"DIFFERS beyond {R_ROOT_TOL:g} / p rtol {R_P_RTOL:g} (reported only)"))
            if r["estimate_abs_diff"] > R_ROOT_TOL:
                parts.append("         R's estimate "
                             + ("is another root of W(d) = nm/2 between the two middle "
                                "differences (expected; ours is their midpoint)"
                                if r["r_estimate_between_middle_differences"]
                                else "is NOT between the two middle differences"))
        elif "skipped" in row["r"]:
            parts.append(f"  R:     {row['r']['skipped']}")
        if "binding" in p:
            parts.append(f"  binding: {p['binding']}")
        print("\n".join(parts))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1e3,1e4,1e5,1e6"),
                    help="comma-separated n = m (default 1e3,1e4,1e5,1e6)")
    ap.add_argument("--repeats", type=int, default=7,
                    help="timed calls of ours, scipy and the binding (default 7)")
    ap.add_argument("--r-repeats", type=int, default=3, help="timed R calls (default 3)")
    ap.add_argument("--r-max-size", type=parse_size, default=100_000,
                    help="skip R above this size (default 1e5)")
    ap.add_argument("--rscript", default=shutil.which("Rscript"),
                    help="path of Rscript (default: from PATH)")
    ap.add_argument("--seed", type=int, default=20240, help="data seed (default 20240)")
    ap.add_argument("--data-dir", type=Path,
                    help="keep the sample files here (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="print machine-readable results")
    args = ap.parse_args()
    if args.repeats < 1 or args.r_repeats < 1:
        ap.error("repeats must be at least 1")

    exe = build_ours()
    binding_fn, binding_why = load_binding()
    machine = machine_info(args.rscript)

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="canary-mw-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
    r_script = data_dir / "time_wilcox.R"
    r_script.write_text(R_SCRIPT)

    rows = []
    try:
        for n in args.sizes:
            x, y = samples(n, args.seed)
            xf, yf = data_dir / f"canary_{n}.f64", data_dir / f"baseline_{n}.f64"
            x.astype("<f8").tofile(xf)
            y.astype("<f8").tofile(yf)
            print(f"n = {n:,}: ours ...", file=sys.stderr, end="", flush=True)
            load_before = os.getloadavg()[0]
            ours = run_ours(exe, xf, yf, args.repeats)
            print(" scipy ...", file=sys.stderr, end="", flush=True)
            scipy_method = "exact" if ours["method"] == "exact" else "asymptotic"
            sp = run_scipy(x, y, args.repeats, scipy_method)
            print(" R ...", file=sys.stderr, end="", flush=True)
            r = run_r(args.rscript, r_script, xf, yf, n, args.r_max_size, args.r_repeats)
            print(" binding ...", file=sys.stderr, end="", flush=True)
            b = run_binding(binding_fn, binding_why, x, y, args.repeats)
            print(" done", file=sys.stderr, flush=True)
            row = {"size": n, "ours": ours, "scipy": sp, "r": r, "binding": b,
                   "loadavg_1min": [load_before, os.getloadavg()[0]]}
            row["parity"] = parity(ours, sp, r, b, x, y)
            rows.append(row)
    finally:
        if tmp is not None:
            tmp.cleanup()

    scipy_ok = all(row["parity"].get("scipy", {}).get("ok", True) for row in rows)
    if args.json:
        print(json.dumps({"machine": machine,
                          "config": {"sizes": args.sizes, "repeats": args.repeats,
                                     "r_repeats": args.r_repeats,
                                     "r_max_size": args.r_max_size, "seed": args.seed,
                                     "baseline_median_ms": BASELINE_MEDIAN_MS,
                                     "canary_shift": CANARY_SHIFT, "sigma": SIGMA},
                          "results": rows, "scipy_parity_ok": scipy_ok}, indent=2))
    else:
        print(f"Machine: {machine['cpu']}, {machine['cores']} cores; {machine['rustc']}; "
              f"scipy {machine['scipy']}, numpy {machine['numpy']}; {machine['r']}")
        print(f"Median of {args.repeats} runs (R: {args.r_repeats}); ratios > 1 mean ours "
              f"is faster. scipy computes only U and p; ours and R also the estimate and CI.")
        print("1-min load average before/after each size: "
              + ", ".join(f"{row['size']:,}: {row['loadavg_1min'][0]:.1f}/"
                          f"{row['loadavg_1min'][1]:.1f}" for row in rows) + "\n")
        print_table(rows)
        print_parity(rows)
        if not scipy_ok:
            print("\nFAIL: statistic or p-value disagrees with scipy", file=sys.stderr)
    return 0 if scipy_ok else 1


if __name__ == "__main__":
    sys.exit(main())
