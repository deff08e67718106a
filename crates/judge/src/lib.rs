//! # canary-judge
//!
//! What deploy tools link: it will hold the config, the metric data model, classification,
//! scoring, the verdict and the rollout engine. Today it holds the verdict vocabulary and
//! re-exports the statistics of [`canary_stats`] as [`stats`].
//!
//! ```
//! use canary_judge::Verdict;
//!
//! assert_eq!(Verdict::Rollback.exit_code(), 20);
//! assert_eq!("hold".parse::<Verdict>().unwrap(), Verdict::Hold);
//! ```

pub use canary_stats as stats;

mod verdict;

pub use verdict::{UnknownVerdict, Verdict};
