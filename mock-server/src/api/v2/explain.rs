//! The `签名错误` answer, with the signature doctor's finding when the
//! `explain` switch is on.

use wxpay_core::model::Failure;
use wxpay_core::{DiagnoseOptions, Diagnosis, ParamMap, diagnose};

use super::envelope::Ctx;
use crate::wire::Reply;
use wxpay_core::model::answers;

/// The extra response field carrying the doctor's finding.
pub(crate) const FIELD: &str = "mock_sign_diagnosis";

/// The most useful line of a diagnosis: the confirmed findings (or the
/// advisories when nothing was replayed), each with its fix.
pub(crate) fn summary(d: &Diagnosis) -> String {
    let confirmed: Vec<String> = d
        .confirmed()
        .map(|f| format!("[{}] {} Fix: {}", f.code, f.summary, f.fix))
        .collect();
    if !confirmed.is_empty() {
        return confirmed.join(" | ");
    }
    let hints: Vec<String> = d
        .findings
        .iter()
        .map(|f| format!("[{}] {} Fix: {}", f.code, f.summary, f.fix))
        .collect();
    if hints.is_empty() {
        "no known mistake reproduces this sign".into()
    } else {
        hints.join(" | ")
    }
}

/// Answers a request whose signature did not verify.
pub(crate) fn sign_error(ctx: &Ctx<'_>, err: &wxpay_core::Error) -> Reply {
    let failure = if ctx.sandbox {
        Failure::protocol(answers::SANDBOX_SIGN_ERROR)
    } else {
        Failure::sign_error(ctx.switches.sign_error_as_business)
    };
    if !ctx.switches.explain {
        let mut r = ctx.fail(&failure);
        r.outcome = format!("{} ({err})", r.outcome);
        return r;
    }
    let claimed = ctx.params.get("sign").map_or("", String::as_str);
    let secret = ctx.app.config.app(ctx.appid()).map(|a| a.secret.as_str());
    let opts = DiagnoseOptions {
        sign_type: Some(ctx.sign_type),
        app_secret: secret,
        ..DiagnoseOptions::default()
    };
    let d = diagnose(&ctx.params, &ctx.key, claimed, &opts);
    let text = format!("{d}\nsummary: {}", summary(&d));
    let mut p: ParamMap = failure.to_params();
    p.insert(FIELD.into(), text);
    match failure {
        Failure::Protocol { .. } => {
            Reply::xml(super::envelope::encode(&p), "FAIL 签名错误 (explained)")
        }
        Failure::Business { .. } => {
            p.insert("appid".into(), ctx.appid().into());
            p.insert("mch_id".into(), ctx.merchant.mch_id.clone());
            Reply::xml(ctx.sign_and_encode(p), "SIGNERROR (explained)")
        }
    }
}
