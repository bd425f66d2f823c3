//! The mock home directory and how key material is written into it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::PkiError;

/// Environment variable the CLI maps to `--home` (read by the CLI, not here).
pub const HOME_ENV: &str = "WXPAY_MOCK_HOME";

/// The directory holding the mock's CAs and merchants' certificates.
///
/// Default: `$XDG_DATA_HOME/wxpay-mock`, else `$HOME/.local/share/wxpay-mock`.
/// Layout (directories 0700 when created here):
/// - `tls-ca.pem`: the TLS CA's key and certificate, 0600;
/// - `ca.pem`: the TLS CA's certificate, what clients trust, 0644;
/// - `merchant-ca.pem`: the merchant CA's key and certificate, 0600;
/// - `merchants/<mch_id>/`: `apiclient_cert.pem` (0644),
///   `apiclient_key.pem` and `apiclient_cert.p12` (0600).
///
/// Deleting a CA file makes a new CA on next use (clients must then trust
/// the new `ca.pem`; merchant certificates are reissued, same keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockHome {
    root: PathBuf,
}

impl MockHome {
    /// A mock home at `root` (created on first write, mode 0700).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The documented default: `$XDG_DATA_HOME/wxpay-mock`, else
    /// `$HOME/.local/share/wxpay-mock`.
    ///
    /// # Errors
    /// [`PkiError::NoHome`] when neither variable is set (absolute).
    pub fn default_location() -> Result<Self, PkiError> {
        let abs = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
        if let Some(data) = std::env::var_os("XDG_DATA_HOME").and_then(abs) {
            return Ok(Self::at(data.join("wxpay-mock")));
        }
        match std::env::var_os("HOME").and_then(abs) {
            Some(home) => Ok(Self::at(home.join(".local/share/wxpay-mock"))),
            None => Err(PkiError::NoHome),
        }
    }

    /// `explicit` (from `--home` / `WXPAY_MOCK_HOME`) or the default.
    ///
    /// # Errors
    /// As [`MockHome::default_location`] when `explicit` is `None`.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, PkiError> {
        match explicit {
            Some(root) => Ok(Self::at(root)),
            None => Self::default_location(),
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(super) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub(super) fn merchant_dir(&self, mch_id: &str) -> PathBuf {
        self.root.join("merchants").join(mch_id)
    }
}

/// Creates `dir` and its parents; new directories get mode 0700.
pub(super) fn create_dir(dir: &Path) -> Result<(), PkiError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| PkiError::io(dir, e))
}

/// Reads a file, `None` when it does not exist.
pub(super) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, PkiError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PkiError::io(path, e)),
    }
}

/// How a file is published.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Publish {
    /// Keep an existing file (first writer wins): for generated secrets, so
    /// two processes starting at once agree on one CA.
    IfAbsent,
    /// Replace an existing file.
    Replace,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, created with `mode` (so a key is never readable by others,
/// not even briefly), then linked (`IfAbsent`) or renamed (`Replace`) into
/// place. Returns `false` when `IfAbsent` found the file already there.
pub(super) fn write_file(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    publish: Publish,
) -> Result<bool, PkiError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_dir(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let written = opts
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(PkiError::io(&tmp, e));
    }
    let placed = match publish {
        Publish::Replace => fs::rename(&tmp, path).map(|()| true),
        Publish::IfAbsent => {
            let r = match fs::hard_link(&tmp, path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                // A file system without hard links (some shared volumes):
                // still first writer wins, with a small window between the
                // check and the rename.
                Err(_) if !path.exists() => fs::rename(&tmp, path).map(|()| true),
                Err(e) => Err(e),
            };
            let _ = fs::remove_file(&tmp);
            r
        }
    };
    placed.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        PkiError::io(path, e)
    })
}

/// Mode of files holding a private key or an API key.
pub(super) const SECRET: u32 = 0o600;
/// Mode of public files (certificates).
pub(super) const PUBLIC: u32 = 0o644;
