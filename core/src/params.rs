//! Where signing reads parameters from.
//!
//! [`Params`] is implemented for the usual containers (`BTreeMap`, `HashMap`,
//! slices and `Vec`s of pairs, arrays of pairs, and the XML codec's
//! [`XmlMap`](crate::xml::XmlMap)), so callers sign what they already hold
//! without copying it into a particular map type.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// The owned parameter map used by the models: keys sorted by byte order,
/// which is exactly WeChat's signing order.
pub type ParamMap = BTreeMap<String, String>;

/// A source of `(name, value)` parameter pairs.
///
/// Order does not matter: signing sorts by the byte order of the names.
/// A source should not contain the same name twice (the XML decoder refuses
/// duplicates); if it does, both pairs are signed.
pub trait Params {
    /// Every `(name, value)` pair, in any order.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)>;

    /// The value of `name`, if present.
    fn get_param(&self, name: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

impl<T: Params + ?Sized> Params for &T {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        (**self).pairs()
    }
    fn get_param(&self, name: &str) -> Option<&str> {
        (**self).get_param(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Params for [(K, V)] {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Params for [(K, V); N] {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Params for Vec<(K, V)> {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
}

impl<K: AsRef<str> + Ord + core::borrow::Borrow<str>, V: AsRef<str>> Params for BTreeMap<K, V> {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
    fn get_param(&self, name: &str) -> Option<&str> {
        self.get(name).map(AsRef::as_ref)
    }
}

#[cfg(feature = "std")]
impl<K, V, S> Params for std::collections::HashMap<K, V, S>
where
    K: AsRef<str> + Eq + core::hash::Hash + core::borrow::Borrow<str>,
    V: AsRef<str>,
    S: core::hash::BuildHasher,
{
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
    fn get_param(&self, name: &str) -> Option<&str> {
        self.get(name).map(AsRef::as_ref)
    }
}
