//! Sandbox key: `/sandboxnew/pay/getsignkey` and
//! `/xdc/apiv2getsignkey/sign/getsignkey`.

use std::sync::Arc;

use wxpay_core::model::sign_and_encode;
use wxpay_core::model::{Failure, GetSignKeyRequest, GetSignKeyResponse, rules};
use wxpay_core::{ParamMap, SignType};

use super::envelope::{encode, protocol_fail};
use crate::config::Merchant;
use crate::domain::App;
use crate::wire::Reply;

/// Answers a getsignkey request (signed with the **production** key, MD5)
/// with the merchant's sandbox key, signed MD5 with the production key.
pub(crate) fn getsignkey(
    app: &Arc<App>,
    merchant: &Merchant,
    params: &ParamMap,
    sign_type: SignType,
) -> Reply {
    let req = match GetSignKeyRequest::from_params(params).and_then(|r| r.validate().map(|()| r)) {
        Ok(r) => r,
        Err(f) => return Reply::xml(encode(&f.to_params()), f.to_string()),
    };
    if sign_type != rules::SANDBOX_SIGN_TYPE {
        return protocol_fail(wxpay_core::model::answers::SANDBOX_MD5_ONLY);
    }
    if let Err(e) = wxpay_core::verify(params, &merchant.key, Some(SignType::Md5)) {
        let f = Failure::sign_error(false);
        let mut r = Reply::xml(encode(&f.to_params()), format!("FAIL 签名错误 ({e})"));
        if app.switches().explain {
            let d = wxpay_core::diagnose(
                params,
                &merchant.key,
                params.get("sign").map_or("", String::as_str),
                &wxpay_core::DiagnoseOptions {
                    sign_type: Some(SignType::Md5),
                    ..wxpay_core::DiagnoseOptions::default()
                },
            );
            let mut p = f.to_params();
            p.insert(
                super::explain::FIELD.into(),
                format!("{d}\nsummary: {}", super::explain::summary(&d)),
            );
            r = Reply::xml(encode(&p), "FAIL 签名错误 (explained)");
        }
        return r;
    }
    let resp = GetSignKeyResponse {
        return_code: Some("SUCCESS".into()),
        return_msg: Some("ok".into()),
        mch_id: req.mch_id.clone(),
        sandbox_signkey: Some(app.sandbox_key(merchant).expose().to_owned()),
        ..GetSignKeyResponse::default()
    };
    let mut p = resp.to_params();
    p.insert("nonce_str".into(), crate::domain::random_token(32));
    match sign_and_encode(p, &merchant.key, SignType::Md5) {
        Ok((body, _)) => Reply::xml(body, "SUCCESS sandbox key"),
        Err(e) => protocol_fail(&format!("mock internal error: {e}")),
    }
}
