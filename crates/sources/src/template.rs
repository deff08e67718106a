//! `${name}` substitution in query templates.

use std::collections::BTreeMap;
use thiserror::Error;

/// Why a query template could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// The template names a variable that was not given.
    #[error("unknown variable ${{{name}}} at byte {offset} of the query template")]
    UnknownVariable {
        /// The variable's name.
        name: String,
        /// Where `${` starts in the template.
        offset: usize,
    },
    /// A `${` without its closing `}`.
    #[error("unclosed `${{` at byte {offset} of the query template")]
    Unclosed {
        /// Where `${` starts in the template.
        offset: usize,
    },
}

/// Replaces every `${name}` in `template` with `vars[name]`.
///
/// A variable that `vars` does not hold is an error rather than an empty string, so a typo
/// in a query cannot silently select nothing. `$` not followed by `{` is kept as it is.
///
/// ```
/// use std::collections::BTreeMap;
/// use canary_sources::{render_template, TemplateError};
///
/// let vars = BTreeMap::from([("scope", "v2")]);
/// assert_eq!(render_template("up{v=\"${scope}\"} $x", &vars).unwrap(), "up{v=\"v2\"} $x");
/// assert!(matches!(
///     render_template("${scpoe}", &vars),
///     Err(TemplateError::UnknownVariable { .. })
/// ));
/// ```
pub fn render_template<V: AsRef<str>>(
    template: &str,
    vars: &BTreeMap<&str, V>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut consumed = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let offset = consumed + start;
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or(TemplateError::Unclosed { offset })?;
        let name = &after[..end];
        let value = vars
            .get(name)
            .ok_or_else(|| TemplateError::UnknownVariable {
                name: name.to_owned(),
                offset,
            })?;
        out.push_str(value.as_ref());
        let advance = start + 2 + end + 1;
        rest = &rest[advance..];
        consumed += advance;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_repeated_variables_and_reports_problems_with_offsets() {
        let vars = BTreeMap::from([("a", "1"), ("b", "22")]);
        assert_eq!(
            render_template("${a}+${b}=${a}${b}", &vars).unwrap(),
            "1+22=122"
        );
        assert_eq!(render_template("", &vars).unwrap(), "");
        assert_eq!(
            render_template("x ${c}", &vars),
            Err(TemplateError::UnknownVariable {
                name: "c".into(),
                offset: 2
            })
        );
        assert_eq!(
            render_template("${a} ${b", &vars),
            Err(TemplateError::Unclosed { offset: 5 })
        );
    }
}
