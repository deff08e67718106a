//! The rollout plan a conversion writes (the plan format of `canary rollout`:
//! `version`, `name`, `strategy`, `steps`, `analysis`, `limits`).

use serde::Serialize;

/// A rollout plan, as the converters write it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The plan format version (1).
    pub version: u32,
    /// The name of the source object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `canary` or `blue_green`.
    pub strategy: String,
    /// The steps, in order.
    pub steps: Vec<PlanStep>,
    /// The analysis config: the path of the converted config, relative to the plan.
    pub analysis: String,
    /// Argo-style limits.
    pub limits: PlanLimits,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanStep {
    /// Traffic % on the new version.
    pub weight: f64,
    /// The least time the step runs, e.g. `5m` (one measurement interval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_duration: Option<String>,
}

/// Argo Rollouts' limits: failed, inconclusive and consecutive-error measurements
/// tolerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanLimits {
    /// Roll back when failed measurements exceed this.
    pub failure_limit: u32,
    /// Pause when inconclusive measurements exceed this.
    pub inconclusive_limit: u32,
    /// Roll back when consecutive error measurements exceed this.
    pub consecutive_error_limit: u32,
}

impl Default for PlanLimits {
    fn default() -> Self {
        Self {
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
        }
    }
}

/// Parses a Go/Kubernetes-style duration (`30s`, `5m`, `1h30m`, `500ms`, `2d`) into
/// whole seconds (rounded up; at least 1 for a positive duration).
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(seconds);
    }
    let mut total_ms: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor_ms: f64 = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total_ms += (value * factor_ms).round() as u128;
    }
    Some(total_ms.div_ceil(1000) as u64)
}

/// Seconds in the shortest plan form: `2h`, `10m`, `90s`.
pub(crate) fn format_duration(seconds: u64) -> String {
    if seconds > 0 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds > 0 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("500ms"), Some(1));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("1.5m"), Some(90));
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(format_duration(300), "5m");
        assert_eq!(format_duration(7200), "2h");
        assert_eq!(format_duration(90), "90s");
    }
}
