//! Numbers in JSON output: finite values as JSON numbers, the rest as strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An `f64` that serialises to JSON without losing infinities: finite values are
/// numbers, `+inf`/`-inf`/NaN are the strings `"inf"`, `"-inf"`, `"nan"` (JSON has no
/// such numbers, and `null` would hide that a rate ratio is infinite).
///
/// ```
/// use canary_judge::Number;
/// assert_eq!(serde_json::to_string(&Number(1.5)).unwrap(), "1.5");
/// assert_eq!(serde_json::to_string(&Number(f64::INFINITY)).unwrap(), "\"inf\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Number(pub f64);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            serializer.serialize_f64(v)
        } else if v.is_nan() {
            serializer.serialize_str("nan")
        } else if v > 0.0 {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Num(f64),
            Text(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Num(v) => Ok(Number(v)),
            Repr::Text(s) => match s.as_str() {
                "inf" => Ok(Number(f64::INFINITY)),
                "-inf" => Ok(Number(f64::NEG_INFINITY)),
                "nan" => Ok(Number(f64::NAN)),
                other => Err(serde::de::Error::custom(format!(
                    "expected a number, \"inf\", \"-inf\" or \"nan\", got {other:?}"
                ))),
            },
        }
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number(v)
    }
}
