//! `quantile`, `quantiles` and `quantile_ci` against R 4.2 on the vectors written by
//! `tests/vectors/quantile.R` into `tests/data/quantile.json` (regenerate with
//! `tests/vectors/generate.sh`).

use canary_stats::{SortedSample, quantile, quantile_ci, quantiles};
use common::{close, num, nums};
use serde_json::Value;

mod common;

const REL: f64 = 1e-9;

fn load() -> Value {
    common::load_value("quantile")
}

/// Whether two numbers print the same with 15 significant digits (jsonlite's `digits = NA`).
fn same_15_digits(a: f64, b: f64) -> bool {
    a == b || format!("{a:.14e}") == format!("{b:.14e}")
}

#[test]
fn type7_matches_r_quantile() {
    let data = load();
    let cases = data["quantile"].as_array().unwrap();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut bit_exact = 0;
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let values = nums(&case["values"]);
        let probs = nums(&case["probs"]);
        let expected = nums(&case["expected"]);
        let all = quantiles(&values, &probs).unwrap();
        let sorted = SortedSample::new(&values).unwrap();
        for ((&q, &want), &got_many) in probs.iter().zip(&expected).zip(&all) {
            let got = quantile(&values, q).unwrap();
            checked += 1;
            if same_15_digits(got, want) {
                bit_exact += 1;
            }
            if !close(got, want, REL, 0.0) || got_many != got || sorted.quantile(q).unwrap() != got
            {
                failures.push(format!("{name} q={q}: {got} (many {got_many}) vs R {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The JSON holds R's results to 15 significant digits: ours, rounded the same way,
    // must read identically (R's arithmetic is reproduced operation for operation).
    assert_eq!(
        bit_exact, checked,
        "{bit_exact}/{checked} agree to 15 digits"
    );
}

#[test]
fn quantile_ci_matches_r_order_statistics() {
    let data = load();
    let cases = data["quantile_ci"].as_array().unwrap();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let values = nums(&case["values"]);
        let q = num(&case["q"]);
        let confidence = num(&case["confidence"]);
        let e = quantile_ci(&values, q, confidence).unwrap();
        let ci = e.confidence_interval;
        let l = num(&case["l"]) as usize; // R writes qbinom's -0 as "-0"
        let u = num(&case["u"]) as usize;
        let n = values.len();
        let mut problems = Vec::new();
        if !close(e.estimate, num(&case["estimate"]), REL, 0.0) {
            problems.push(format!("estimate {} vs {}", e.estimate, case["estimate"]));
        }
        if ci.low != num(&case["low"]) || ci.high != num(&case["high"]) {
            problems.push(format!(
                "interval [{}, {}] vs R [{}, {}]",
                ci.low, ci.high, case["low"], case["high"]
            ));
        }
        if !close(ci.level, num(&case["level"]), REL, 1e-15) {
            problems.push(format!("level {} vs R {}", ci.level, case["level"]));
        }
        let want_lower = (l >= 1).then_some(l);
        let want_upper = (u <= n).then_some(u);
        if e.lower_order != want_lower || e.upper_order != want_upper {
            problems.push(format!(
                "orders {:?},{:?} vs R l={l} u={u}",
                e.lower_order, e.upper_order
            ));
        }
        if ci.level < confidence || e.n != n || e.q != q {
            problems.push(format!("level {} below {confidence}", ci.level));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The order-statistic ranks and achieved level alone (R's `qbinom` / `pbinom`), for
/// sample sizes up to 20 000, using a sample 1..n so that x_(k) = k.
#[test]
fn order_ranks_match_r_qbinom() {
    let data = load();
    let cases = data["order_ranks"].as_array().unwrap();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let n = num(&case["n"]) as usize;
        let q = num(&case["q"]);
        let confidence = num(&case["confidence"]);
        let l = num(&case["l"]) as usize; // R writes qbinom's -0 as "-0"
        let u = num(&case["u"]) as usize;
        let level = num(&case["level"]);
        let sample = SortedSample::from_sorted((1..=n).map(|k| k as f64).collect()).unwrap();
        let e = sample.quantile_ci(q, confidence).unwrap();
        let want_lower = (l >= 1).then_some(l);
        let want_upper = (u <= n).then_some(u);
        if e.lower_order != want_lower
            || e.upper_order != want_upper
            || !close(e.confidence_interval.level, level, REL, 1e-15)
        {
            failures.push(format!(
                "n={n} q={q} conf={confidence}: {:?},{:?} level {} vs R l={l} u={u} level {level}",
                e.lower_order, e.upper_order, e.confidence_interval.level
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
