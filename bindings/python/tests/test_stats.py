"""Statistics: parity with scipy on seeded random data, input types, round trips."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats as sps

import canary_judge as cj

RTOL = 1e-9


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def samples(seed: int, n: int, m: int, shift: float = 0.3, ties: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    y = rng.normal(0.0, 1.0, m)
    if ties:
        x, y = np.round(x, 1), np.round(y, 1)
    return x, y


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize(
    "seed,n,m,ties", [(1, 60, 80, False), (2, 200, 150, True), (3, 1000, 1200, True), (4, 55, 3, False)]
)
def test_mann_whitney_asymptotic_matches_scipy(seed, n, m, ties, alternative):
    x, y = samples(seed, n, m, ties=ties)
    ours = cj.mann_whitney(x, y, alternative=alternative, method="asymptotic")
    ref = sps.mannwhitneyu(x, y, alternative=alternative, method="asymptotic", use_continuity=True)
    assert ours.statistic == ref.statistic
    assert close(ours.pvalue, ref.pvalue), (ours.pvalue, ref.pvalue)
    assert ours.method == "asymptotic"
    assert ours.confidence_interval.low <= ours.estimate <= ours.confidence_interval.high


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("seed,n,m", [(5, 5, 7), (6, 12, 9), (7, 30, 40), (8, 1, 10)])
def test_mann_whitney_exact_matches_scipy(seed, n, m, alternative):
    x, y = samples(seed, n, m, shift=0.5)
    ours = cj.mann_whitney(x, y, alternative=alternative, method="exact")
    ref = sps.mannwhitneyu(x, y, alternative=alternative, method="exact")
    assert ours.statistic == ref.statistic
    assert close(ours.pvalue, ref.pvalue), (ours.pvalue, ref.pvalue)
    assert ours.method == "exact"
    auto = cj.mann_whitney(x, y, alternative=alternative)  # no ties, < 50: exact
    assert auto == ours


def test_mann_whitney_estimate_is_hodges_lehmann():
    x, y = samples(9, 40, 45, shift=1.0)
    r = cj.mann_whitney(x, y)
    assert math.isclose(r.estimate, float(np.median(np.subtract.outer(x, y))), rel_tol=1e-12)
    assert r.confidence_interval.low < r.estimate < r.confidence_interval.high
    low, high = r.confidence_interval  # a named tuple
    assert (low, high) == (r.confidence_interval.low, r.confidence_interval.high)
    assert 0 < r.confidence_level <= 0.95 + 1e-12


@pytest.mark.parametrize("seed,n,m", [(10, 30, 40), (11, 200, 150), (12, 8, 90)])
def test_ks_exact_matches_scipy(seed, n, m):
    x, y = samples(seed, n, m, shift=0.4)
    ours = cj.ks(x, y, method="exact")
    ref = sps.ks_2samp(x, y, alternative="two-sided", method="exact")
    assert close(ours.statistic, ref.statistic, 1e-12)
    assert close(ours.pvalue, ref.pvalue, 1e-6), (ours.pvalue, ref.pvalue)
    assert ours.method == "exact"


@pytest.mark.parametrize("seed,n,m,ties", [(10, 30, 40, False), (11, 200, 150, False), (12, 800, 900, True)])
def test_ks_asymptotic_matches_kolmogorov_limit(seed, n, m, ties):
    """R's (and our) asymptotic p-value is the Kolmogorov limit, scipy's ``kstwobign``,
    at sqrt(nm/(n+m)) D; scipy's own ``method="asymp"`` uses a finite-n distribution."""
    x, y = samples(seed, n, m, shift=0.4, ties=ties)
    ours = cj.ks(x, y, method="asymptotic")
    ref = sps.ks_2samp(x, y, alternative="two-sided", method="asymp")
    assert close(ours.statistic, ref.statistic, 1e-12)
    limit = sps.kstwobign.sf(math.sqrt(n * m / (n + m)) * ref.statistic)
    # R's C_pKS2 truncates the series (tol 1e-6; for x < 1 only the terms k = 1, 3 of the
    # theta-function form), accurate to a few 1e-5 absolute; we reproduce R exactly.
    assert abs(ours.pvalue - limit) <= 5e-5, (ours.pvalue, limit)
    assert ours.method == "asymptotic"
    assert ours.ties == ties


@pytest.mark.parametrize("alternative", ["less", "greater"])
def test_ks_one_sided_exact_matches_scipy(alternative):
    x, y = samples(13, 25, 35, shift=0.5)
    ours = cj.ks(x, y, alternative=alternative, method="exact")
    ref = sps.ks_2samp(x, y, alternative=alternative, method="exact")
    assert close(ours.statistic, ref.statistic, 1e-12)
    assert close(ours.pvalue, ref.pvalue, 1e-6), (ours.pvalue, ref.pvalue)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize(
    "ce,cx,be,bx",
    [(12, 1_000, 30, 10_000), (0, 500, 7, 5_000), (5, 1_000, 0, 1_000), (40, 20_000, 35, 20_000)],
)
def test_rate_test_matches_binomtest(ce, cx, be, bx, alternative):
    ours = cj.rate_test(ce, cx, be, bx, alternative=alternative)
    # Conditional on the total, the canary's events are Binomial(total, canary share).
    ref = sps.binomtest(ce, ce + be, cx / (cx + bx), alternative=alternative)
    assert close(ours.pvalue, ref.pvalue, 1e-9), (ours.pvalue, ref.pvalue)
    if be > 0:
        assert math.isclose(ours.estimate, (ce / cx) / (be / bx), rel_tol=1e-12)
    else:
        assert ours.estimate == math.inf


def test_rate_test_random_counts_match_binomtest():
    rng = np.random.default_rng(14)
    for _ in range(50):
        cx, bx = int(rng.integers(100, 10_000)), int(rng.integers(100, 100_000))
        ce, be = int(rng.binomial(cx, 0.01)), int(rng.binomial(bx, 0.008))
        if ce + be == 0:
            continue
        ours = cj.rate_test(ce, cx, be, bx)
        ref = sps.binomtest(ce, ce + be, cx / (cx + bx))
        assert close(ours.pvalue, ref.pvalue, 1e-9), (ce, cx, be, bx)


def test_quantiles_match_numpy():
    x = np.random.default_rng(15).lognormal(size=501)
    for q in [0.0, 0.01, 0.5, 0.95, 0.99, 1.0]:
        assert math.isclose(cj.quantile(x, q), float(np.quantile(x, q)), rel_tol=1e-12)
    assert np.allclose(cj.quantile(x, [0.5, 0.99]), np.quantile(x, [0.5, 0.99]), rtol=1e-12)
    est = cj.quantile_ci(x, 0.95, confidence=0.9)
    assert est.confidence_interval.low <= est.estimate <= est.confidence_interval.high
    assert est.confidence_level >= 0.9 and est.n == 501


def test_input_types_agree():
    x, y = samples(16, 300, 200)
    base = cj.mann_whitney(x, y)
    pd = pytest.importorskip("pandas")
    assert cj.mann_whitney(x.tolist(), y.tolist()) == base
    assert cj.mann_whitney(tuple(x), tuple(y)) == base
    assert cj.mann_whitney(pd.Series(x), pd.Series(y)) == base
    # Non-contiguous views and other byte orders are copied.
    xx = np.repeat(x, 2)[::2]
    assert not xx.flags.c_contiguous
    assert cj.mann_whitney(xx, y) == base
    assert cj.mann_whitney(x.astype(">f8"), y) == base
    # Integer and float32 arrays are converted.
    xi, yi = np.arange(50), np.arange(10, 70)
    assert cj.mann_whitney(xi, yi) == cj.mann_whitney(xi.astype(float), yi.astype(float))
    assert cj.mann_whitney(xi.astype(np.float32), yi) == cj.mann_whitney(xi.astype(float), yi)


def test_results_round_trip_through_dicts():
    x, y = samples(17, 80, 70)
    results = [
        cj.mann_whitney(x, y),
        cj.mann_whitney(x[:10], y[:8], alternative="greater"),
        cj.ks(x, y),
        cj.rate_test(5, 1_000, 0, 1_000, alternative="greater"),
        cj.quantile_ci(x, 0.99),
        cj.quantile_ci(x[:5], 0.99),
    ]
    for r in results:
        d = r.to_dict()
        assert type(r).from_dict(d) == r
        assert type(r).from_dict(json.loads(json.dumps(d))) == r  # JSON-compatible
