//! WeChat's APIs as the mock serves them: `v2` (the XML pay endpoints) and
//! `login` (`jscode2session`, `cgi-bin/token`). Each handler decodes a
//! request, calls the domain and encodes the answer; a `v3` sibling would
//! share the same domain, store and clock.

pub(crate) mod login;
pub(crate) mod v2;
