//! The error of every fallible function of the module, and the mch_id rule.

use std::fmt;
use std::path::PathBuf;

/// Why certificate material could not be made, loaded or written.
#[derive(Debug)]
pub enum PkiError {
    /// A file could not be read, created or written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored file is not what the mock wrote there (damaged, edited, or
    /// from another program).
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A mch_id that cannot name a merchant's directory.
    BadMchId(String),
    /// Certificate generation or TLS setup failed (a library error).
    Crypto(String),
    /// No home directory could be found for the default mock home.
    NoHome,
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Damaged { path, reason } => write!(
                f,
                "{}: {reason}. This file is written by wxpay-mock; remove it to have a new one \
                 generated (clients must then trust the new ca.pem / use the new merchant \
                 certificates), or restore the original.",
                path.display()
            ),
            Self::BadMchId(id) => write!(
                f,
                "mch_id {id:?} cannot name a certificate directory: use 1 to 32 ASCII letters, \
                 digits, '-' or '_' (WeChat's are 10 digits)"
            ),
            Self::Crypto(msg) => write!(f, "certificate or TLS setup failed: {msg}"),
            Self::NoHome => write!(
                f,
                // WXPAY_MOCK_HOME is home::HOME_ENV (read by the CLI).
                "no mock home: set WXPAY_MOCK_HOME (or --home), XDG_DATA_HOME or HOME"
            ),
        }
    }
}

impl std::error::Error for PkiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl PkiError {
    pub(super) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(super) fn damaged(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Damaged {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(super) fn crypto(e: impl fmt::Display) -> Self {
        Self::Crypto(e.to_string())
    }
}

/// Checks that `mch_id` is usable as a directory name and a CN.
pub(super) fn check_mch_id(mch_id: &str) -> Result<(), PkiError> {
    let ok = (1..=32).contains(&mch_id.len())
        && mch_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(PkiError::BadMchId(mch_id.to_owned()))
    }
}
