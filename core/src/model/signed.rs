//! An outgoing v2 message, signed: sign the fields (any old `sign`
//! dropped first), insert `sign`, encode as `<xml>`. Every signed answer
//! and notify is built this way (docs/protocol.md §2.2 for the signature, §2.3
//! for the XML).

use alloc::string::String;

use crate::xml::{self, XmlError};
use crate::{ApiKey, ParamMap, Sign, SignType};

/// Signs `params` with `key` and `sign_type`, inserts the `sign` field and
/// encodes the result as an `<xml>` document; returns it with its sign.
///
/// # Errors
/// When a field name is not a valid XML name (see [`xml::encode`]).
pub fn sign_and_encode(
    mut params: ParamMap,
    key: &ApiKey,
    sign_type: SignType,
) -> Result<(String, Sign), XmlError> {
    params.remove("sign");
    let sign = crate::sign(&params, key, sign_type);
    params.insert("sign".into(), sign.as_str().into());
    xml::encode(&params).map(|body| (body, sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_message_verifies_and_replaces_an_old_sign() {
        let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
        let mut p = ParamMap::new();
        p.insert("appid".into(), "wxd930ea5d5a258f4f".into());
        p.insert("sign".into(), "STALE".into());
        let (body, sign) = sign_and_encode(p, &key, SignType::Md5).expect("encodes");
        let back = xml::decode(body.as_bytes())
            .expect("decodes")
            .to_param_map();
        assert_eq!(back.get("sign").map(String::as_str), Some(sign.as_str()));
        assert!(crate::verify(&back, &key, Some(SignType::Md5)).is_ok());
    }
}
