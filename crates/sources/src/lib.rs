//! # canary-sources
//!
//! Metric-source adapters for Canary Judge. Backends (Prometheus, Datadog, InfluxDB, …)
//! arrive with their own modules and cargo features; what every backend shares is here
//! already: expanding a query template.
//!
//! ```
//! use std::collections::BTreeMap;
//! use canary_sources::render_template;
//!
//! let vars = BTreeMap::from([("scope", "canary"), ("window", "5m")]);
//! let q = render_template("rate(errors{version=\"${scope}\"}[${window}])", &vars).unwrap();
//! assert_eq!(q, "rate(errors{version=\"canary\"}[5m])");
//! ```

mod template;

pub use template::{TemplateError, render_template};
