//! `nonce_str`: random `[0-9A-Za-z]` strings (32 characters by default).

use alloc::string::String;

/// The nonce alphabet, `[0-9A-Za-z]`.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The usual nonce length (the field is `String(32)`).
pub const DEFAULT_LEN: usize = 32;

/// A nonce of `len` characters from a caller-supplied RNG that fills byte
/// buffers (no_std). Unbiased: bytes ≥ 248 are drawn again.
pub fn nonce_from<F: FnMut(&mut [u8])>(len: usize, mut fill: F) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &b in &buf {
            if out.len() == len {
                break;
            }
            if b < 248 {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    out
}

/// A nonce of `len` characters from the operating system's RNG.
///
/// # Errors
/// [`crate::Error::InvalidValue`] (field `rng`) if the OS RNG fails.
#[cfg(feature = "std")]
pub fn nonce(len: usize) -> Result<String, crate::Error> {
    let mut failed = false;
    let s = nonce_from(len, |b| {
        if getrandom::fill(b).is_err() {
            failed = true;
            b.fill(0);
        }
    });
    if failed {
        return Err(crate::Error::InvalidValue {
            field: String::from("rng"),
            reason: String::from("the operating system's random number generator failed"),
        });
    }
    Ok(s)
}
