//! Redaction: no string of a diagnosis shows the key or the AppSecret.

use alloc::format;
use alloc::string::String;

use super::doctor::Doctor;
impl Doctor<'_> {
    /// `s` with every occurrence of a secret (ASCII case-insensitive, also in
    /// its `{:?}`-escaped form) replaced by its masked form.
    pub(super) fn redact(&self, s: String) -> String {
        let mut s = s;
        for (secret, masked) in &self.secrets {
            // A value echoed with `{:?}` shows the secret escaped (a key
            // with a control character or a quote), so that form goes too.
            let quoted = format!("{secret:?}");
            let escaped = quoted.get(1..quoted.len() - 1).unwrap_or_default();
            for needle in [*secret, escaped] {
                // A masked replacement cannot recreate the secret unless the
                // secret contains '*'; the loop is bounded all the same.
                for _ in 0..4 {
                    match replace_ignore_ascii_case(&s, needle, masked) {
                        Some(r) => s = r,
                        None => break,
                    }
                }
            }
        }
        s
    }
}

pub(super) fn replace_ignore_ascii_case(s: &str, needle: &str, with: &str) -> Option<String> {
    let (sb, nb) = (s.as_bytes(), needle.as_bytes());
    if nb.is_empty() || sb.len() < nb.len() {
        return None;
    }
    let mut out: Option<String> = None;
    let (mut last, mut i) = (0, 0);
    while i + nb.len() <= sb.len() {
        if sb[i].eq_ignore_ascii_case(&nb[0])
            && sb[i..i + nb.len()].eq_ignore_ascii_case(nb)
            && s.is_char_boundary(i)
            && s.is_char_boundary(i + nb.len())
        {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[last..i]);
            o.push_str(with);
            i += nb.len();
            last = i;
        } else {
            i += 1;
        }
    }
    out.map(|mut o| {
        o.push_str(&s[last..]);
        o
    })
}
