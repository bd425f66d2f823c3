//! Replay: the bounded search over combinations of mistakes for the one
//! that reproduces the claimed sign byte for byte.

use alloc::vec::Vec;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use alloc::format;
use alloc::string::String;

use super::claim::{Claim, ClaimError};
use super::doctor::Doctor;
use super::explain::{PAY_FIELDS_FIX, advisory};
use super::finding::{DiagnoseOptions, Finding, FindingCode};
use super::mistakes::*;
use crate::Sign;
pub(super) struct Search<'d, 'a> {
    pub(super) doc: &'d Doctor<'a>,
    pub(super) claim: &'d Claim,
    pub(super) seen: Vec<u64>,
    pub(super) tried: usize,
    pub(super) work: usize,
    pub(super) max_variants: usize,
    pub(super) max_work: usize,
    /// Bytes charged per string built (set by the first build).
    pub(super) build_cost: usize,
    pub(super) truncated: bool,
    pub(super) suffix_buf: Vec<u8>,
}

impl Search<'_, '_> {
    pub(super) fn eq(&self, digest: &[u8]) -> bool {
        bool::from(digest.ct_eq(self.claim.digest()))
    }

    /// Charges `cost` bytes of work; `false` (and the search is over) when
    /// that would pass the cap.
    pub(super) fn charge(&mut self, cost: usize) -> bool {
        if self.work.saturating_add(cost) > self.max_work {
            self.truncated = true;
            return false;
        }
        self.work += cost;
        true
    }

    /// Key candidates and suffixes allowed with `m` string mistakes: at most
    /// three mistakes in all, and at most one on top of two string mistakes.
    pub(super) fn allowed(m: usize, key: KeyKind, suffix: Suffix, algo: Algo) -> bool {
        let extra = usize::from(key != KeyKind::Given)
            + usize::from(suffix != Suffix::Correct)
            + usize::from(algo == Algo::Sha256);
        m + extra <= 3 && (m < 2 || extra <= 1)
    }

    /// Builds and hashes one variant. `Err(())` when a cap was reached.
    pub(super) fn run(&mut self, atoms: &[Atom]) -> Result<Option<Hit>, ()> {
        if self.truncated {
            return Err(());
        }
        if self.tried >= self.max_variants {
            self.truncated = true;
            return Err(());
        }
        // A string costs about as much to build as the correct one did.
        if !self.charge(self.build_cost) {
            return Err(());
        }
        let key_in_map = atoms.contains(&Atom::KeyInMap);
        let body = self.doc.build(atoms, self.doc.keys[0].text.as_str());
        if self.build_cost == 0 {
            self.build_cost = body.len() + 16 * self.doc.entries.len();
        }
        let fp = fingerprint(&body);
        if self.seen.contains(&fp) {
            return Ok(None);
        }
        self.seen.push(fp);
        self.tried += 1;
        let m = atoms.len();
        let algos: &[Algo] = if self.claim.len == 16 {
            &[Algo::Md5]
        } else {
            &[Algo::Hmac, Algo::Sha256]
        };
        let keys: Vec<usize> = (0..self.doc.keys.len())
            .filter(|&k| !key_in_map || k == 0)
            .collect();
        let suffixes: &[Suffix] = if key_in_map {
            &[Suffix::Missing]
        } else {
            &Suffix::ALL
        };
        // Bytes built + bytes hashed (HMAC hashes the body once per key).
        let hmac_keys = keys
            .iter()
            .filter(|&&k| {
                suffixes
                    .iter()
                    .any(|s| Self::allowed(m, self.doc.keys[k].kind, *s, Algo::Hmac))
            })
            .count();
        let passes = if self.claim.len == 16 {
            1
        } else {
            1 + hmac_keys
        };
        if !self.charge(body.len().saturating_mul(passes)) {
            return Err(());
        }
        let mut sfx = core::mem::take(&mut self.suffix_buf);
        let mut found = None;
        'outer: for &algo in algos {
            match algo {
                Algo::Md5 | Algo::Sha256 => {
                    let md5 = (algo == Algo::Md5).then(|| Md5::new_with_prefix(&body));
                    let sha = (algo == Algo::Sha256).then(|| Sha256::new_with_prefix(&body));
                    for &k in &keys {
                        let kc = &self.doc.keys[k];
                        for &s in suffixes {
                            if !Self::allowed(m, kc.kind, s, algo) {
                                continue;
                            }
                            s.write(&mut sfx, body.is_empty(), &kc.text);
                            let hit = match (&md5, &sha) {
                                (Some(h), _) => self.eq(&h.clone().chain_update(&sfx).finalize()),
                                (_, Some(h)) => self.eq(&h.clone().chain_update(&sfx).finalize()),
                                _ => false,
                            };
                            if hit {
                                found = Some((algo, k, s));
                                break 'outer;
                            }
                        }
                    }
                }
                Algo::Hmac => {
                    for &k in &keys {
                        let kc = &self.doc.keys[k];
                        if !suffixes.iter().any(|s| Self::allowed(m, kc.kind, *s, algo)) {
                            continue;
                        }
                        let Ok(mut mac) =
                            <Hmac<Sha256> as KeyInit>::new_from_slice(kc.text.as_bytes())
                        else {
                            continue;
                        };
                        mac.update(&body);
                        for &s in suffixes {
                            if !Self::allowed(m, kc.kind, s, algo) {
                                continue;
                            }
                            s.write(&mut sfx, body.is_empty(), &kc.text);
                            let mut m2 = mac.clone();
                            m2.update(&sfx);
                            if self.eq(&m2.finalize().into_bytes()) {
                                found = Some((algo, k, s));
                                break 'outer;
                            }
                        }
                    }
                }
            }
        }
        self.suffix_buf = sfx;
        Ok(found.map(|(algo, key, suffix)| Hit {
            atoms: atoms.to_vec(),
            algo,
            key,
            suffix,
        }))
    }

    /// The correct string, then every single mistake, then pairs.
    pub(super) fn find(&mut self) -> Option<Hit> {
        if let Ok(Some(hit)) = self.run(&[]) {
            return Some(hit);
        }
        let base = self.seen.first().copied();
        let mut singles = Vec::new();
        for atom in self.doc.atoms() {
            let before = self.seen.len();
            match self.run(&[atom]) {
                Ok(Some(hit)) => return Some(hit),
                Ok(None) => {
                    // Applicable (changed the string) and new.
                    if self.seen.len() > before
                        && self.seen.last().copied() != base
                        && atom.pairable()
                    {
                        singles.push(atom);
                    }
                }
                Err(()) => return None,
            }
        }
        // Pairs of the first singles only: at most 32 · 31 / 2 pairs.
        singles.truncate(32);
        for i in 0..singles.len() {
            for j in i + 1..singles.len() {
                if singles[i].dim() == singles[j].dim() {
                    continue;
                }
                match self.run(&[singles[i], singles[j]]) {
                    Ok(Some(hit)) => return Some(hit),
                    Ok(None) => {}
                    Err(()) => return None,
                }
            }
        }
        None
    }
}

/// What the replay phase found.
pub(super) struct Replay {
    /// The findings of the reproduced combination (or the reused order sign).
    pub(super) confirmed: Vec<Finding>,
    /// Missing/malformed sign, or a truncated search.
    pub(super) advisories: Vec<Finding>,
    /// Distinct strings hashed.
    pub(super) tried: usize,
    /// `false` when a cap stopped the search.
    pub(super) complete: bool,
}

/// Replays the known mistakes against the claimed sign, unless it verifies.
pub(super) fn replay(
    doctor: &Doctor<'_>,
    claim: &Result<Claim, ClaimError>,
    claimed_sign: &str,
    expected_sign: &Sign,
    ok: bool,
    opts: &DiagnoseOptions<'_>,
) -> Replay {
    let mut r = Replay {
        confirmed: Vec::new(),
        advisories: Vec::new(),
        tried: 0,
        complete: true,
    };
    let order_reused = opts.order_sign.map(str::trim).filter(|o| {
        !o.is_empty() && !ok && *o == claimed_sign.trim() && !expected_sign.ct_eq_str(o)
    });
    if order_reused.is_some() {
        r.confirmed.push(Finding {
            code: FindingCode::OrderSignReusedAsPaySign,
            confirmed: true,
            summary: String::from(
                "The paySign is the unifiedorder response's `sign`, reused as is.",
            ),
            summary_zh: String::from("把统一下单返回的 `sign` 直接当成了 paySign。"),
            signed_string: None,
            fix: format!(
                "paySign is a second signature: {PAY_FIELDS_FIX}, with the same sign type as the order."
            ),
            related: Vec::new(),
        });
        return r;
    }
    if ok {
        return r;
    }
    match claim {
        Err(ClaimError::Missing) => r.advisories.push(advisory(
            FindingCode::MissingSign,
            String::from("No sign was given."),
            String::from("没有提供签名。"),
            format!(
                "Send the `{}` field: WeChat rejects unsigned requests, and a receiver must reject an unsigned notify.",
                doctor.sign_field_name()
            ),
        )),
        Err(ClaimError::Malformed(why)) => r.advisories.push(advisory(
            FindingCode::MalformedSign,
            format!("The sign is not a WeChat sign: {why}."),
            String::from("签名格式不对：MD5 签名是 32 位大写十六进制，HMAC-SHA256 是 64 位。"),
            String::from(
                "Send the uppercase hex digest: 32 characters for MD5, 64 for HMAC-SHA256.",
            ),
        )),
        Ok(c) => {
            let mut search = Search {
                doc: doctor,
                claim: c,
                seen: Vec::new(),
                tried: 0,
                work: 0,
                max_variants: opts.max_variants.max(1),
                max_work: opts.max_work_bytes,
                build_cost: 0,
                truncated: false,
                suffix_buf: Vec::new(),
            };
            let hit = search.find();
            r.tried = search.tried;
            match hit {
                Some(h) => r.confirmed = doctor.explain_hit(&h, c),
                None if search.truncated => {
                    r.complete = false;
                    r.advisories.push(advisory(
                        FindingCode::SearchTruncated,
                        format!(
                            "The search stopped after {} strings ({} bytes): the input is too large to try every mistake.",
                            r.tried, search.work
                        ),
                        String::from("输入过大，未能尝试全部常见错误。"),
                        String::from(
                            "Raise max_variants / max_work_bytes, or diagnose a smaller parameter set.",
                        ),
                    ));
                }
                None => {}
            }
        }
    }
    r
}
