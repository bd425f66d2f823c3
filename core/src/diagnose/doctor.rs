//! The doctor's view of one call: the entries, the key candidates and the
//! secrets to redact; builds the string a variant signs.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::finding::SignKind;
use super::input::key_candidates;
use super::mistakes::*;
use crate::key::fingerprint;
use crate::{ApiKey, SignType};
// ---------------------------------------------------------------------------
// The doctor.

pub(super) struct Doctor<'a> {
    pub(super) kind: SignKind,
    pub(super) entries: Vec<Entry<'a>>,
    pub(super) sign_type: SignType,
    pub(super) keys: Vec<KeyCand>,
    pub(super) masked_key: String,
    /// Secrets to mask wherever they appear, with their masked forms.
    pub(super) secrets: Vec<(&'a str, String)>,
}

impl<'a> Doctor<'a> {
    /// The doctor for one call: the entries, the key candidates, and the
    /// secrets (key, AppSecret) to mask wherever they appear.
    pub(super) fn new(
        kind: SignKind,
        entries: Vec<Entry<'a>>,
        sign_type: SignType,
        key: &'a ApiKey,
        app_secret: Option<&'a str>,
    ) -> Self {
        let mut secrets = Vec::new();
        if key.len() >= 4 {
            secrets.push((key.expose(), key.masked()));
        }
        if let Some(s) = app_secret.filter(|s| s.len() >= 4) {
            secrets.push((s, fingerprint(s)));
        }
        Doctor {
            kind,
            entries,
            sign_type,
            keys: key_candidates(key, app_secret),
            masked_key: key.masked(),
            secrets,
        }
    }
}

impl Doctor<'_> {
    /// Builds the string a variant signs, without the key suffix. With
    /// [`Atom::KeyInMap`], `key_text` is inserted as a `key` field.
    pub(super) fn build(&self, atoms: &[Atom], key_text: &str) -> Vec<u8> {
        let has = |p: fn(&Atom) -> bool| atoms.iter().any(p);
        let include_sign = has(|a| *a == Atom::IncludeSign);
        let include_empty = has(|a| *a == Atom::IncludeEmpty);
        let drop_sign_type = has(|a| *a == Atom::DropSignType);
        let extra = has(|a| *a == Atom::ExtraFields);
        let package_bare = has(|a| *a == Atom::PackageBare);
        let key_in_map = has(|a| *a == Atom::KeyInMap);
        let omit = atoms.iter().find_map(|a| match a {
            Atom::Omit(i) => Some(*i),
            _ => None,
        });
        let value_xf = atoms.iter().copied().find(|a| a.dim() == 5);
        let rename = atoms.iter().copied().find(|a| a.dim() == 7);
        let sort = atoms.iter().find_map(|a| match a {
            Atom::Sort(s) => Some(*s),
            _ => None,
        });

        let mut items: Vec<(Cow<'_, str>, Cow<'_, str>, usize)> =
            Vec::with_capacity(self.entries.len() + 1);
        for (i, e) in self.entries.iter().enumerate() {
            let included = match e.kind {
                EntryKind::Signed => true,
                EntryKind::SignField => include_sign,
                EntryKind::Extra => extra,
            };
            if !included || (drop_sign_type && e.is_sign_type) || omit == Some(i) {
                continue;
            }
            let mut value = e.value;
            if package_bare && e.name == "package" && self.kind == SignKind::PaySign {
                value = value.strip_prefix("prepay_id=").unwrap_or(value);
            }
            let value = match value_xf {
                Some(a) => transform_value(value, a),
                None => Cow::Borrowed(value),
            };
            let empty = if value_xf == Some(Atom::Trim) {
                value.is_empty()
            } else {
                e.value.is_empty()
            };
            if empty && !include_empty {
                continue;
            }
            let name = match rename {
                Some(Atom::Rename(j, alt)) if j == i => Cow::Borrowed(alt),
                Some(Atom::RenameAll(c)) => recase(e.name, c),
                _ => Cow::Borrowed(e.name),
            };
            items.push((name, value, e.pos));
        }
        if key_in_map {
            items.push((Cow::Borrowed("key"), Cow::Borrowed(key_text), usize::MAX));
        }
        match sort {
            None => items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes())),
            Some(SortFlavor::CaseInsensitive) => {
                items.sort_by(|a, b| cmp_case_insensitive(&a.0, &b.0))
            }
            Some(SortFlavor::Locale) => items.sort_by(|a, b| cmp_locale(&a.0, &b.0)),
            Some(SortFlavor::Given) => items.sort_by_key(|x| x.2),
        }
        let cap = items.iter().map(|(k, v, _)| k.len() + v.len() + 2).sum();
        let mut buf = Vec::with_capacity(cap);
        for (i, (k, v, _)) in items.iter().enumerate() {
            if i > 0 {
                buf.push(b'&');
            }
            buf.extend_from_slice(k.as_bytes());
            buf.push(b'=');
            buf.extend_from_slice(v.as_bytes());
        }
        buf
    }

    /// Every single mistake worth trying on these parameters.
    pub(super) fn atoms(&self) -> Vec<Atom> {
        let e = &self.entries;
        let pay = self.kind == SignKind::PaySign;
        let mut v = Vec::new();
        let any = |p: &dyn Fn(&Entry<'_>) -> bool| e.iter().any(p);
        if any(&|x| x.kind == EntryKind::SignField) {
            v.push(Atom::IncludeSign);
        }
        if any(&|x| x.value.is_empty()) {
            v.push(Atom::IncludeEmpty);
        }
        if any(&|x| x.is_sign_type && !x.value.is_empty() && x.kind == EntryKind::Signed) {
            v.push(Atom::DropSignType);
        }
        if pay && any(&|x| x.kind == EntryKind::Extra) {
            v.push(Atom::ExtraFields);
        }
        if any(&|x| x.value.trim().len() != x.value.len()) {
            v.push(Atom::Trim);
        }
        // URL flavours: only those that change something, and only one of
        // the flavours that treat every byte present the same way.
        let mut present = [false; 256];
        for x in e {
            for b in x.value.bytes() {
                present[usize::from(b)] = true;
            }
        }
        let behaviour = |f: UrlFlavor| -> Vec<(bool, bool)> {
            (0..=255u8)
                .filter(|b| present[usize::from(*b)])
                .map(|b| (f.keeps(b), b == b' ' && f.plus()))
                .collect()
        };
        let mut url_seen: Vec<Vec<(bool, bool)>> = Vec::new();
        for f in UrlFlavor::ALL {
            let b = behaviour(f);
            if b.iter().any(|(keep, _)| !keep) && !url_seen.contains(&b) {
                v.push(Atom::Url(f));
                url_seen.push(b);
            }
        }
        if any(&|x| x.value.contains(['&', '<', '>'])) {
            v.push(Atom::XmlMin);
        }
        if any(&|x| x.value.contains(['"', '\''])) {
            v.push(Atom::XmlFull);
        }
        if any(&|x| !x.value.is_empty()) {
            v.push(Atom::CdataWrap);
        }
        if any(&|x| cdata_unwrap(x.value).len() != x.value.len()) {
            v.push(Atom::CdataUnwrap);
        }
        // Orders: only those that differ from the byte order.
        let mut signed: Vec<&Entry<'_>> =
            e.iter().filter(|x| x.kind == EntryKind::Signed).collect();
        signed.sort_by(|a, b| a.name.cmp(b.name));
        let byte_order: Vec<&str> = signed.iter().map(|x| x.name).collect();
        let mut orders: Vec<Vec<&str>> = vec![byte_order];
        for f in [
            SortFlavor::CaseInsensitive,
            SortFlavor::Locale,
            SortFlavor::Given,
        ] {
            match f {
                SortFlavor::CaseInsensitive => {
                    signed.sort_by(|a, b| cmp_case_insensitive(a.name, b.name))
                }
                SortFlavor::Locale => signed.sort_by(|a, b| cmp_locale(a.name, b.name)),
                SortFlavor::Given => signed.sort_by_key(|x| x.pos),
            }
            let o: Vec<&str> = signed.iter().map(|x| x.name).collect();
            if !orders.contains(&o) {
                v.push(Atom::Sort(f));
                orders.push(o);
            }
        }
        const MAX_RENAMES: usize = 24;
        let mut renames = 0;
        for (i, x) in e.iter().enumerate() {
            if x.kind != EntryKind::Signed {
                continue;
            }
            if let Some(group) = ALIASES.iter().find(|g| g.contains(&x.name)) {
                for alt in group.iter().filter(|a| **a != x.name) {
                    if renames < MAX_RENAMES {
                        v.push(Atom::Rename(i, alt));
                        renames += 1;
                    }
                }
            }
        }
        for c in [Case::Lower, Case::Snake, Case::Camel] {
            if any(&|x| x.kind == EntryKind::Signed && recase(x.name, c).as_ref() != x.name) {
                v.push(Atom::RenameAll(c));
            }
        }
        if pay
            && any(&|x| {
                x.name == "package"
                    && x.value.starts_with("prepay_id=")
                    && x.kind == EntryKind::Signed
            })
        {
            v.push(Atom::PackageBare);
        }
        v.push(Atom::KeyInMap);
        const MAX_OMIT: usize = 64;
        v.extend(
            e.iter()
                .enumerate()
                .filter(|(_, x)| {
                    x.kind == EntryKind::Signed && !x.value.is_empty() && !x.is_sign_type
                })
                .take(MAX_OMIT)
                .map(|(i, _)| Atom::Omit(i)),
        );
        v
    }

    /// Fields whose value a value transform changes (at most 5 named).
    pub(super) fn changed_fields(&self, atom: Atom) -> String {
        let names: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| {
                e.kind == EntryKind::Signed
                    && !e.value.is_empty()
                    && transform_value(e.value, atom).as_ref() != e.value
            })
            .map(|e| e.name)
            .collect();
        list_names(&names)
    }
}

pub(super) fn list_names(names: &[&str]) -> String {
    let mut s = String::new();
    for (i, n) in names.iter().take(5).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('`');
        s.push_str(n);
        s.push('`');
    }
    if names.len() > 5 {
        s.push_str(&format!(" and {} more", names.len() - 5));
    }
    s
}
