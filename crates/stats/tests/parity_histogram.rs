//! `histogram_quantile` and `grouped_rank_test` against the vectors written by
//! `tests/vectors/histogram.R` into `tests/data/histogram.json` (regenerate with
//! `tests/vectors/generate.sh`), plus Prometheus' own `histogram_quantile` expectations
//! (promql/promqltest/testdata/histograms.test), copied by hand.

use canary_stats::{Alternative, Histogram, StatsError, grouped_rank_test, histogram_quantile};
use common::{close, num, nums};
use serde_json::Value;

mod common;

const REL: f64 = 1e-9;
const INF: f64 = f64::INFINITY;

fn load() -> Value {
    common::load_value("histogram")
}

#[test]
fn histogram_quantile_matches_prometheus_rule() {
    let data = load();
    let cases = data["histogram_quantile"].as_array().unwrap();
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let h = Histogram::new(nums(&case["le"]), nums(&case["counts"])).unwrap();
        for (q, want) in nums(&case["q"]).into_iter().zip(nums(&case["expected"])) {
            let got = histogram_quantile(q, &h);
            if !close(got, want, REL, 1e-15) {
                failures.push(format!("{name} q={q}: {got} vs R {want}"));
            }
        }
        assert!(histogram_quantile(f64::NAN, &h).is_nan());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Prometheus' promqltest expectations for classic histograms (`histograms.test`), at the
/// evaluation times given there (counts are the loaded series' values at that time).
#[test]
fn histogram_quantile_matches_prometheus_testdata() {
    let h = |le: &[f64], counts: &[f64]| Histogram::new(le.to_vec(), counts.to_vec()).unwrap();
    let positive = h(&[0.1, 0.2, 1.0, INF], &[50.0, 70.0, 110.0, 120.0]);
    let negative = h(&[-0.2, -0.1, 0.3, INF], &[10.0, 20.0, 20.0, 30.0]);
    let positive3 = h(&[0.0, 0.1, 0.2, 1.0, INF], &[0.0, 50.0, 70.0, 110.0, 110.0]);
    let negative3 = h(
        &[-0.25, -0.2, -0.1, 0.3, INF],
        &[0.0, 10.0, 20.0, 20.0, 20.0],
    );
    let mid = h(&[0.0, 2.0, 4.0, 6.0, INF], &[0.0, 1.0, 2.0, 3.0, 3.0]);
    // sum(rate(request_duration_seconds_bucket[10m])) by (le), up to a common factor.
    let aggregated = h(&[0.1, 0.2, INF], &[10.0, 19.0, 25.0]);
    // … by (le, job): job1 and job2.
    let job1 = h(&[0.1, 0.2, INF], &[3.0, 8.0, 10.0]);
    let job2 = h(&[0.1, 0.2, INF], &[7.0, 11.0, 15.0]);
    let expectations: Vec<(&str, &Histogram, f64, f64)> = vec![
        ("positive", &positive, 0.0, 0.0),
        ("positive", &positive, 0.2, 0.048),
        ("positive", &positive, 0.5, 0.15),
        ("positive", &positive, 0.8, 0.72),
        ("positive", &positive, 1.0, 1.0),
        ("positive", &positive, -0.1, f64::NEG_INFINITY),
        ("positive", &positive, 1.01, INF),
        ("negative", &negative, 0.0, -0.2),
        ("negative", &negative, 0.2, -0.2),
        ("negative", &negative, 0.5, -0.15),
        ("negative", &negative, 0.8, 0.3),
        ("negative", &negative, 1.0, 0.3),
        ("testhistogram3 positive", &positive3, 0.0, 0.0),
        ("testhistogram3 positive", &positive3, 0.25, 0.055),
        ("testhistogram3 positive", &positive3, 0.5, 0.125),
        ("testhistogram3 positive", &positive3, 0.75, 0.45),
        ("testhistogram3 positive", &positive3, 1.0, 1.0),
        ("testhistogram3 negative", &negative3, 0.0, -0.25),
        ("testhistogram3 negative", &negative3, 0.25, -0.225),
        ("testhistogram3 negative", &negative3, 0.5, -0.2),
        ("testhistogram3 negative", &negative3, 0.75, -0.15),
        ("testhistogram3 negative", &negative3, 1.0, -0.1),
        ("testhistogram2", &mid, 1.0 / 6.0, 1.0),
        ("testhistogram2", &mid, 0.5, 3.0),
        ("testhistogram2", &mid, 5.0 / 6.0, 5.0),
        ("aggregated", &aggregated, 0.3, 0.075),
        ("aggregated", &aggregated, 0.5, 0.1277777777777778),
        ("by job: job1", &job1, 0.3, 0.1),
        ("by job: job2", &job2, 0.3, 0.0642857142857143),
        ("by job: job1", &job1, 0.5, 0.14),
        ("by job: job2", &job2, 0.5, 0.1125),
    ];
    let mut failures = Vec::new();
    for (name, h, q, want) in expectations {
        let got = histogram_quantile(q, h);
        if !close(got, want, 1e-12, 1e-15) {
            failures.push(format!("{name} q={q}: {got} vs Prometheus {want}"));
        }
    }
    assert!(histogram_quantile(f64::NAN, &positive).is_nan());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn grouped_rank_test_matches_r_wilcox_test() {
    let data = load();
    let cases = data["grouped_rank"].as_array().unwrap();
    assert!(cases.len() >= 45, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let le = nums(&case["le"]);
        let canary = Histogram::new(le.clone(), nums(&case["canary"])).unwrap();
        let baseline = Histogram::new(le, nums(&case["baseline"])).unwrap();
        let alternative: Alternative = case["alternative"].as_str().unwrap().parse().unwrap();
        let r = grouped_rank_test(&canary, &baseline, alternative).unwrap();
        let mut problems = Vec::new();
        let want_w = num(&case["statistic"]);
        if !close(r.statistic, want_w, 1e-14, 0.0) {
            problems.push(format!("W {} vs R {want_w}", r.statistic));
        }
        let want_p = num(&case["p_value"]);
        if !close(r.p_value, want_p, REL, 1e-300) {
            problems.push(format!("p {:e} vs R {want_p:e}", r.p_value));
        }
        let want_cles = num(&case["cles"]);
        if !close(r.cles, want_cles, REL, 0.0) {
            problems.push(format!("cles {} vs R {want_cles}", r.cles));
        }
        if r.n_canary as f64 != num(&case["n_canary"])
            || r.n_baseline as f64 != num(&case["n_baseline"])
            || r.alternative != alternative
        {
            problems.push(format!("n {} {}", r.n_canary, r.n_baseline));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// All observations in one bucket: R's normal approximation divides by a zero variance
/// (NaN two-sided; ±Inf z one-sided). We refuse with a typed error instead.
#[test]
fn grouped_rank_test_all_tied_is_degenerate() {
    let le = vec![0.1, 0.5, INF];
    let a = Histogram::new(le.clone(), vec![0.0, 7.0, 7.0]).unwrap();
    let b = Histogram::new(le, vec![0.0, 3.0, 3.0]).unwrap();
    for alternative in [
        Alternative::TwoSided,
        Alternative::Less,
        Alternative::Greater,
    ] {
        assert!(matches!(
            grouped_rank_test(&a, &b, alternative),
            Err(StatsError::Degenerate(_))
        ));
    }
}
