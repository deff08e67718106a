//! From test outcome to classification, criticality and a one-sentence reason.

use crate::config::{Direction, EffectMeasure, MetricConfig};
use crate::evaluate::{Change, Outcome, Tested};
use crate::report::{Classification, Evidence, GateCheck, MetricResult};

/// Classifies one metric's outcome.
pub(crate) fn classify(metric: &MetricConfig, outcome: Outcome) -> MetricResult {
    let name = metric.name.clone();
    let group = metric.group_name().to_owned();
    match outcome {
        Outcome::NoData(why) => MetricResult {
            reason: format!(
                "{name}: {why}{}",
                if metric.must_have_data {
                    " (must have data)"
                } else {
                    ""
                }
            ),
            name,
            group,
            classification: Classification::Nodata,
            critical: false,
            evidence: Evidence::default(),
        },
        Outcome::Error(why) => MetricResult {
            reason: format!("{name}: {why}"),
            name,
            group,
            classification: Classification::Error,
            critical: false,
            evidence: Evidence::default(),
        },
        Outcome::Tested(tested) => classify_tested(metric, name, group, *tested),
    }
}

fn classify_tested(metric: &MetricConfig, name: String, group: String, t: Tested) -> MetricResult {
    let effect_config = metric.effect.unwrap_or_default();
    let neutral = t.measure.neutral();
    let allowed_increase = effect_config.allowed_increase.unwrap_or(neutral);
    let allowed_decrease = effect_config.allowed_decrease.unwrap_or(neutral);
    // An undefined effect (a zero baseline) cannot show the change is small: it counts
    // as beyond any threshold, so broken data never passes on it.
    let beyond_up = |limit: f64| t.effect.is_nan() || t.effect > limit;
    let beyond_down = |limit: f64| t.effect.is_nan() || t.effect < limit;
    let watches_increase = metric.direction != Direction::Decrease;
    let watches_decrease = metric.direction != Direction::Increase;
    let stat_high = t.change == Change::Increase && watches_increase && beyond_up(allowed_increase);
    let stat_low =
        t.change == Change::Decrease && watches_decrease && beyond_down(allowed_decrease);
    let gate_high = t
        .evidence
        .gates
        .iter()
        .find(|g| g.breached == Some(Classification::High));
    let gate_low = t
        .evidence
        .gates
        .iter()
        .find(|g| g.breached == Some(Classification::Low));
    let classification = if stat_high || gate_high.is_some() {
        Classification::High
    } else if stat_low || gate_low.is_some() {
        Classification::Low
    } else {
        Classification::Pass
    };
    // A breached gate of a critical metric is critical; a statistical failure is
    // critical beyond critical_increase/decrease when set, otherwise when the metric is.
    let critical = match classification {
        Classification::High => {
            (gate_high.is_some() && metric.critical)
                || (stat_high
                    && effect_config
                        .critical_increase
                        .map_or(metric.critical, beyond_up))
        }
        Classification::Low => {
            (gate_low.is_some() && metric.critical)
                || (stat_low
                    && effect_config
                        .critical_decrease
                        .map_or(metric.critical, beyond_down))
        }
        _ => false,
    };
    // A breached gate explains the failure unless the test already does.
    let test_explains = !t.effect.is_nan()
        && match classification {
            Classification::High => stat_high,
            Classification::Low => stat_low,
            _ => false,
        };
    let reason = sentence(
        metric,
        &t,
        classification,
        critical,
        (allowed_increase, allowed_decrease),
        gate_high.or(gate_low).filter(|_| !test_explains),
    );
    MetricResult {
        name,
        group,
        classification,
        critical,
        reason,
        evidence: t.evidence,
    }
}

/// "latency_ms rose 34 % (median 118 → 158, 95 % CI of the shift +31 to +44); allowed
/// +10 %".
fn sentence(
    metric: &MetricConfig,
    t: &Tested,
    classification: Classification,
    critical: bool,
    (allowed_increase, allowed_decrease): (f64, f64),
    unexplained_gate: Option<&GateCheck>,
) -> String {
    let name = &metric.name;
    let (label, base, canary) = t.center;
    let confidence = t
        .evidence
        .confidence
        .map_or(String::new(), |c| format!("{} %", fmt_num(c.0 * 100.0)));
    let interval = match t.interval {
        Some((lo, hi, "ratio")) => format!(
            ", {confidence} CI of the ratio {} to {}",
            fmt_num(lo),
            fmt_num(hi)
        ),
        Some((lo, hi, _)) => format!(
            ", {confidence} CI of the shift {} to {}",
            signed(lo),
            signed(hi)
        ),
        None => t
            .evidence
            .p_value
            .map_or(String::new(), |p| format!(", p = {}", fmt_p(p.0))),
    };
    let figures = if label == "rate" {
        format!("rate {} → {}{interval}", percent(base), percent(canary))
    } else {
        format!("{label} {} → {}{interval}", fmt_num(base), fmt_num(canary))
    };
    let effect = describe_effect(t.measure, t.effect);
    let suffix = if critical { " [critical]" } else { "" };
    if let Some(g) = unexplained_gate {
        let limit = match g.breached {
            Some(Classification::High) => g.max.map(|m| format!("max {}", fmt_limit(&g.kind, m.0))),
            _ => g.min.map(|m| format!("min {}", fmt_limit(&g.kind, m.0))),
        }
        .unwrap_or_default();
        let what = if g.kind == "relative_gate" {
            format!(
                "{} {} is {} the baseline's ({} → {}; relative gate {limit})",
                name,
                g.stat,
                times(g.value.0),
                fmt_num(g.baseline.map_or(f64::NAN, |b| b.0)),
                fmt_num(g.canary.0)
            )
        } else {
            format!(
                "{} canary {} is {} (gate {limit})",
                name,
                g.stat,
                fmt_num(g.value.0)
            )
        };
        return format!("{what}; {figures}{suffix}");
    }
    match (classification, t.change) {
        (Classification::High, _) => format!(
            "{name} rose {effect} ({figures}); {}{suffix}",
            allowance(t.measure, allowed_increase, "increase")
        ),
        (Classification::Low, _) => format!(
            "{name} fell {effect} ({figures}); {}{suffix}",
            allowance(t.measure, allowed_decrease, "decrease")
        ),
        (_, Change::Increase) if metric.direction == Direction::Decrease => {
            format!(
                "{name} rose {effect} ({figures}); an increase is not a regression for this metric"
            )
        }
        (_, Change::Decrease) if metric.direction == Direction::Increase => {
            format!(
                "{name} fell {effect} ({figures}); a decrease is not a regression for this metric"
            )
        }
        (_, Change::Increase) => format!(
            "{name} rose {effect} ({figures}), within the allowed {}",
            describe_allowance(t.measure, allowed_increase)
        ),
        (_, Change::Decrease) => format!(
            "{name} fell {effect} ({figures}), within the allowed {}",
            describe_allowance(t.measure, allowed_decrease)
        ),
        (_, Change::None) => format!("{name}: no significant change ({figures})"),
    }
}

fn describe_effect(measure: EffectMeasure, effect: f64) -> String {
    match measure {
        EffectMeasure::Cles => format!("(P(canary > baseline) = {})", fmt_num(effect)),
        _ if effect.is_infinite() => "from zero".into(),
        _ if effect.is_nan() => "(no baseline to compare with)".into(),
        // Large increases read best as a factor, decreases always as a percentage.
        _ if effect >= 2.0 => times(effect),
        _ => format!("{} %", fmt_num(((effect - 1.0) * 100.0).abs())),
    }
}

/// "allowed +10 %", or "no significant increase is allowed" for the neutral default.
fn allowance(measure: EffectMeasure, limit: f64, side: &str) -> String {
    if limit == measure.neutral() {
        format!("no significant {side} is allowed")
    } else {
        format!("allowed {}", describe_allowance(measure, limit))
    }
}

fn describe_allowance(measure: EffectMeasure, limit: f64) -> String {
    match measure {
        EffectMeasure::Cles => format!("P(canary > baseline) up to {}", fmt_num(limit)),
        _ if limit == 1.0 => "no significant change".into(),
        _ if limit >= 2.0 || limit <= 0.5 => times(limit),
        _ => format!("{:+} %", round_sig((limit - 1.0) * 100.0)),
    }
}

fn times(v: f64) -> String {
    if v.is_infinite() {
        "infinitely higher than".into()
    } else {
        format!("{}×", fmt_num(v))
    }
}

fn fmt_limit(kind: &str, v: f64) -> String {
    if kind == "relative_gate" {
        times(v)
    } else {
        fmt_num(v)
    }
}

fn percent(rate: f64) -> String {
    format!("{} %", fmt_num(rate * 100.0))
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", fmt_num(v))
    } else {
        fmt_num(v)
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        fmt_num(p)
    }
}

/// A number with three significant digits, without trailing zeros.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "n/a".into()
        } else if v > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 1e6 || v.abs() < 1e-4 {
        return format!("{v:.2e}");
    }
    // Whole units from 100 up (1024 stays 1024); three significant digits below.
    if v.abs() >= 100.0 {
        return format!("{v:.0}");
    }
    format!("{}", round_sig(v))
}

fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 3 - 1 - v.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits);
    (v * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_num(118.04), "118");
        assert_eq!(fmt_num(0.012345), "0.0123");
        assert_eq!(fmt_num(34.0), "34");
        assert_eq!(fmt_num(1.5e7), "1.50e7");
        assert_eq!(fmt_num(1024.0), "1024");
        assert_eq!(describe_effect(EffectMeasure::HlRatio, 0.103), "89.7 %");
        assert_eq!(describe_allowance(EffectMeasure::HlRatio, 1.1), "+10 %");
        assert_eq!(describe_effect(EffectMeasure::HlRatio, 1.34), "34 %");
        assert_eq!(describe_effect(EffectMeasure::RateRatio, 10.3), "10.3×");
    }
}
