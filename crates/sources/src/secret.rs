//! Credentials that cannot leak: loaded from an environment variable or a file, shown as
//! `[redacted]`, never serialised.

use crate::error::{Cause, SourceError};
use std::fmt;
use std::path::Path;

/// A credential (API token, key, password).
///
/// Its `Debug` and `Display` print `[redacted]`; it implements neither `Serialize` nor
/// `Clone`-into-string helpers, so the only way to the value is [`Secret::expose`], which
/// backends call when they set a request header.
///
/// ```
/// use canary_sources::Secret;
///
/// let s = Secret::new("s3cr3t-token".to_owned());
/// assert_eq!(format!("{s} {s:?}"), "[redacted] Secret([redacted])");
/// assert_eq!(s.expose(), "s3cr3t-token");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// Reads the environment variable `name`. Surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// The variable is unset, empty or not Unicode (the error names the variable only).
    pub fn from_env(name: &str) -> Result<Self, SourceError> {
        match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(Self(value.trim().to_owned())),
            Ok(_) => Err(credential(format!(
                "the environment variable {name} is empty"
            ))),
            Err(std::env::VarError::NotPresent) => Err(credential(format!(
                "the environment variable {name} is not set"
            ))),
            Err(std::env::VarError::NotUnicode(_)) => Err(credential(format!(
                "the environment variable {name} is not valid Unicode"
            ))),
        }
    }

    /// Reads a file holding the credential (e.g. a mounted Kubernetes secret); surrounding
    /// whitespace (the trailing newline) is trimmed.
    ///
    /// # Errors
    /// The file cannot be read or is empty (the error names the file only).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SourceError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| credential(format!("cannot read the file {}: {e}", path.display())))?;
        let value = text.trim();
        if value.is_empty() {
            return Err(credential(format!("the file {} is empty", path.display())));
        }
        Ok(Self(value.to_owned()))
    }

    /// The value, for setting a header. Never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn credential(message: String) -> SourceError {
    SourceError::new("credentials", Cause::Credential(message))
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a credential comes from: an environment variable or a file. This is what
/// configs and command lines hold — never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable's name.
    Env(String),
    /// A file's path.
    File(std::path::PathBuf),
}

impl SecretRef {
    /// Loads the credential.
    ///
    /// # Errors
    /// See [`Secret::from_env`] and [`Secret::from_file`].
    pub fn load(&self) -> Result<Secret, SourceError> {
        match self {
            SecretRef::Env(name) => Secret::from_env(name),
            SecretRef::File(path) => Secret::from_file(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_from_files_trimmed_and_never_shows_the_value() {
        let dir = std::env::temp_dir().join(format!("canary-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "tok-123\n").unwrap();
        let s = SecretRef::File(file.clone()).load().unwrap();
        assert_eq!(s.expose(), "tok-123");
        assert!(!format!("{s:?}{s}").contains("tok-123"));
        std::fs::write(&file, "\n").unwrap();
        let e = Secret::from_file(&file).unwrap_err();
        assert!(e.to_string().contains("is empty"), "{e}");
        let e = Secret::from_file(dir.join("missing")).unwrap_err();
        assert!(e.to_string().contains("cannot read the file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        let e = Secret::from_env("CANARY_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(
            e.to_string()
                .contains("CANARY_TEST_SURELY_UNSET_VARIABLE is not set")
        );
    }
}
