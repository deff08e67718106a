//! Parity of `ks_two_sample` with R 4.2.2's `ks.test(x, y, alternative, exact)`, on the
//! vectors written by `tests/vectors/ks.R` into `tests/data/ks.json`.

use canary_stats::{Alternative, KsMethod, KsOptions, ks_two_sample};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    x: Vec<f64>,
    y: Vec<f64>,
    alternative: String,
    method: String,
    statistic: f64,
    /// R's p-value.
    p_value: f64,
    /// What we must return: R's, except for an exact `less` test with ties, where R is
    /// wrong and the expected value is R's `greater` on the swapped samples.
    p_value_expected: f64,
    method_used: String,
    ties: bool,
}

fn method(name: &str) -> KsMethod {
    match name {
        "auto" => KsMethod::Auto,
        "exact" => KsMethod::Exact,
        "asymptotic" => KsMethod::Asymptotic,
        other => panic!("unknown method {other}"),
    }
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ks.json");
    let text = std::fs::read_to_string(path).expect("run tests/vectors/generate.sh");
    serde_json::from_str(&text).expect("valid ks.json")
}

#[test]
fn matches_r_ks_test() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let options = KsOptions {
            alternative: case.alternative.parse::<Alternative>().unwrap(),
            method: method(&case.method),
        };
        let r = ks_two_sample(&case.x, &case.y, &options).unwrap();
        let mut problems = Vec::new();
        if (r.statistic - case.statistic).abs() > 1e-12 {
            problems.push(format!("statistic {} vs R {}", r.statistic, case.statistic));
        }
        let p_tol = (1e-9 * case.p_value_expected.abs()).max(1e-15);
        if (r.p_value - case.p_value_expected).abs() > p_tol {
            problems.push(format!(
                "p-value {:e} vs expected {:e} (R {:e})",
                r.p_value, case.p_value_expected, case.p_value
            ));
        }
        if r.method.as_str() != case.method_used {
            problems.push(format!("method {:?} vs R {}", r.method, case.method_used));
        }
        if r.ties != case.ties {
            problems.push(format!("ties {} vs R {}", r.ties, case.ties));
        }
        if (r.n_x, r.n_y) != (case.x.len(), case.y.len()) || r.alternative != options.alternative {
            problems.push("sizes or alternative not echoed".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", case.name, problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from R:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_what_they_should() {
    let cases = cases();
    let count = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count();
    assert!(count(&|c| c.method_used == "exact") >= 20);
    assert!(count(&|c| c.method_used == "asymptotic") >= 15);
    assert!(count(&|c| c.ties && c.method_used == "exact") >= 5);
    assert!(count(&|c| c.ties && c.method_used == "asymptotic") >= 3);
    assert!(count(&|c| c.x.len() <= 2 || c.y.len() <= 2) >= 10);
    for alternative in ["two.sided", "less", "greater"] {
        assert!(count(&|c| c.alternative == alternative) >= 20);
    }
}
