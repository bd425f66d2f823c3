//! What every v2 XML endpoint shares once a request is verified: the
//! [`Ctx`] a handler gets, signed success and failure answers, and the
//! unsigned `return_code=FAIL` answer.

use std::sync::Arc;

use wxpay_core::model::sign_and_encode;
use wxpay_core::model::{ErrCode, Failure};
use wxpay_core::xml;
use wxpay_core::{ApiKey, ParamMap, SignType};

use crate::config::{Merchant, Switches};
use crate::domain::App;
use crate::wire::Reply;

/// `return_code=FAIL` + `return_msg`, unsigned.
pub(crate) fn fail_xml(msg: &str) -> String {
    let mut p = ParamMap::new();
    p.insert("return_code".into(), "FAIL".into());
    p.insert("return_msg".into(), msg.into());
    encode(&p)
}

/// The answer when an answer cannot be encoded (never expected).
const INTERNAL_ERROR_XML: &str = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[mock internal error]]></return_msg></xml>";

pub(crate) fn encode(p: &ParamMap) -> String {
    // Every name the mock writes is a valid XML name; a request's unknown
    // fields are never echoed.
    xml::encode(p).unwrap_or_else(|e| {
        tracing::error!("cannot encode a response: {e}");
        String::from(INTERNAL_ERROR_XML)
    })
}

/// A protocol-level failure answer.
pub(crate) fn protocol_fail(msg: &str) -> Reply {
    Reply::xml(fail_xml(msg), format!("FAIL {msg}"))
}

pub(crate) fn code_msg(code: ErrCode, detail: Option<String>) -> String {
    match detail {
        Some(d) => format!("{}: {d}", code.description()),
        None => code.description().to_owned(),
    }
}

/// Everything an endpoint needs about a verified request.
pub(crate) struct Ctx<'a> {
    pub(crate) app: &'a Arc<App>,
    pub(crate) sandbox: bool,
    pub(crate) merchant: &'a Merchant,
    /// The key that verified the request and signs the answer (the sandbox
    /// key in sandbox).
    pub(crate) key: ApiKey,
    pub(crate) sign_type: SignType,
    pub(crate) params: ParamMap,
    /// Mock time, Unix seconds.
    pub(crate) now: i64,
    pub(crate) switches: Switches,
}

impl Ctx<'_> {
    pub(crate) fn appid(&self) -> &str {
        self.params.get("appid").map_or("", String::as_str)
    }

    /// Signs and encodes a success answer (`fields` come from a response
    /// model's `to_params()`); adds appid, mch_id, nonce_str and sign.
    pub(crate) fn answer(&self, mut fields: ParamMap, outcome: &str) -> Reply {
        fields.insert("appid".into(), self.appid().into());
        fields.insert("mch_id".into(), self.merchant.mch_id.clone());
        Reply::xml(self.sign_and_encode(fields), outcome)
    }

    pub(crate) fn sign_and_encode(&self, fields: ParamMap) -> String {
        self.sign_fields(fields).0
    }

    /// [`Self::answer`]'s XML plus the sign it carries.
    pub(crate) fn signed_answer(&self, mut fields: ParamMap) -> (String, wxpay_core::Sign) {
        fields.insert("appid".into(), self.appid().into());
        fields.insert("mch_id".into(), self.merchant.mch_id.clone());
        self.sign_fields(fields)
    }

    fn sign_fields(&self, mut fields: ParamMap) -> (String, wxpay_core::Sign) {
        fields.remove("sign");
        fields.insert("nonce_str".into(), crate::domain::random_token(32));
        sign_and_encode(fields, &self.key, self.sign_type).unwrap_or_else(|e| {
            tracing::error!("cannot encode a response: {e}");
            // Unreachable in practice (every name the mock writes is
            // valid): the unsigned internal-error answer.
            let s = wxpay_core::sign(&ParamMap::new(), &self.key, self.sign_type);
            (String::from(INTERNAL_ERROR_XML), s)
        })
    }

    /// The answer for a failure: unsigned FAIL for a protocol failure, a
    /// signed `result_code=FAIL` for a business one.
    pub(crate) fn fail(&self, f: &Failure) -> Reply {
        match f {
            Failure::Protocol { return_msg } => protocol_fail(return_msg),
            Failure::Business { err_code, .. } => {
                let mut p = f.to_params();
                p.insert("appid".into(), self.appid().into());
                p.insert("mch_id".into(), self.merchant.mch_id.clone());
                Reply::xml(self.sign_and_encode(p), err_code.as_str())
            }
        }
    }
}
