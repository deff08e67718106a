//! The three outcomes of a canary analysis.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The decision about a canary, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The canary is as good as the baseline: continue the rollout.
    Promote,
    /// Not enough evidence either way (too little data, or a marginal score).
    Hold,
    /// The canary is worse: undo it.
    Rollback,
}

impl Verdict {
    /// The lower-case name used in configs, fixtures and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Promote => "promote",
            Verdict::Hold => "hold",
            Verdict::Rollback => "rollback",
        }
    }

    /// The `canary` command's exit code for this verdict: 0 promote, 10 hold, 20 rollback.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Promote => 0,
            Verdict::Hold => 10,
            Verdict::Rollback => 20,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not `promote`, `hold` or `rollback`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVerdict(pub String);

impl fmt::Display for UnknownVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown verdict {:?}: expected promote, hold or rollback",
            self.0
        )
    }
}

impl std::error::Error for UnknownVerdict {}

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "promote" => Ok(Verdict::Promote),
            "hold" => Ok(Verdict::Hold),
            "rollback" => Ok(Verdict::Rollback),
            other => Err(UnknownVerdict(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_best_to_worst() {
        for v in [Verdict::Promote, Verdict::Hold, Verdict::Rollback] {
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(v));
        }
        assert!(Verdict::Promote < Verdict::Hold && Verdict::Hold < Verdict::Rollback);
        assert!("pass".parse::<Verdict>().is_err());
    }
}
