//! Advisories that need no replay: an unsupported or inconsistent sign type,
//! missing or misspelt paySign fields, a key that is not 32 bytes, and as a
//! last resort a wrong key.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::doctor::{Doctor, list_names};
use super::explain::{PAY_FIELDS_FIX, advisory};
use super::finding::{DiagnoseOptions, Finding, FindingCode};
use super::input::{Input, SignTypeChoice};
use crate::ApiKey;

/// What the advisories are drawn from.
pub(super) struct Facts<'x, 'a> {
    pub(super) doctor: &'x Doctor<'a>,
    pub(super) input: &'x Input<'a>,
    pub(super) st: &'x SignTypeChoice<'a>,
    pub(super) key: &'x ApiKey,
    pub(super) claimed_sign: &'x str,
    pub(super) opts: &'x DiagnoseOptions<'x>,
    pub(super) ok: bool,
    pub(super) complete: bool,
}

/// Appends the advisories to `out`; `confirmed` are the replayed findings
/// (an advisory is left out when a replay already explains it).
pub(super) fn advise(f: &Facts<'_, '_>, confirmed: &[Finding], out: &mut Vec<Finding>) {
    let has = |c: FindingCode| confirmed.iter().any(|x| x.code == c);
    let (st, st_name, doctor) = (f.st, f.st.field_name, f.doctor);
    if let Some(v) = st.field_value
        && st.field.is_none()
    {
        // Masked before it is cut short, so no part of a secret shows.
        let shown: String = doctor.redact(String::from(v)).chars().take(32).collect();
        out.push(advisory(
            FindingCode::UnsupportedSignType,
            format!("`{st_name}` is {shown:?}; WeChat accepts exactly \"MD5\" or \"HMAC-SHA256\" and answers 签名类型不支持 otherwise."),
            format!("`{st_name}` 的值 {shown:?} 不被支持，只能是 \"MD5\" 或 \"HMAC-SHA256\"（区分大小写）。"),
            String::from("Send exactly \"MD5\" or \"HMAC-SHA256\" (uppercase)."),
        ));
    }
    if !f.ok && !has(FindingCode::WrongSignType) {
        sign_type_clash(f, out);
    }
    if !f.input.missing.is_empty() {
        let l = list_names(&f.input.missing);
        out.push(advisory(
            FindingCode::PaySignFieldMissing,
            format!("The paySign object lacks {l}; the expected sign was computed without them."),
            format!("paySign 参数缺少 {l}。"),
            format!(
                "{PAY_FIELDS_FIX}. wx.requestPayment takes no appId: give it to the doctor as `app_id`."
            ),
        ));
    }
    if !f.input.aliased.is_empty() && !has(FindingCode::KeyCase) {
        let names: Vec<String> = f
            .input
            .aliased
            .iter()
            .map(|(c, g)| format!("`{g}` (should be `{c}`)"))
            .collect();
        let l = names.join(", ");
        out.push(advisory(
            FindingCode::KeyCase,
            format!("The paySign object uses {l}; its value was taken as the right field."),
            format!("paySign 参数名大小写不对：{l}。"),
            format!("{PAY_FIELDS_FIX}."),
        ));
    }
    let key = f.key;
    if key.len() != 32 && !has(FindingCode::KeyNot32Bytes) {
        out.push(advisory(
            FindingCode::KeyNot32Bytes,
            format!(
                "The key given is {} bytes; WeChat's APIv2 key is always 32 bytes, so this is probably not the API key (an AppSecret, an APIv3 key, a certificate serial, or a key with whitespace?).",
                key.len()
            ),
            format!("给定的密钥是 {} 字节，而 APIv2 密钥固定为 32 字节。", key.len()),
            String::from(
                "Use the 32-byte APIv2 key from the merchant platform (账户中心 → API安全), without surrounding whitespace.",
            ),
        ));
    }
    if !f.ok && confirmed.is_empty() && st.claim.is_ok() && f.complete {
        out.push(advisory(
            FindingCode::WrongKey,
            format!(
                "No known mistake reproduces the sign with the key given ({}). It was most likely made with another key (mistyped, another merchant's, the sandbox key vs the production key) or over other values.",
                doctor.masked_key
            ),
            String::from(
                "常见错误都无法复现该签名：多半是密钥不对（输错、用了别的商户或沙箱/正式环境的密钥），或参数值与签名时不同。",
            ),
            String::from(
                "Check the API key in the merchant platform (reset it if unsure), the environment (sandbox keys come from getsignkey), and that the values signed are the values sent.",
            ),
        ));
    }
}

/// `SIGN_TYPE_MISMATCH`: the field, the given type and the sign's length
/// disagree.
fn sign_type_clash(f: &Facts<'_, '_>, out: &mut Vec<Finding>) {
    let st = f.st;
    let st_name = st.field_name;
    let len = f.claimed_sign.trim().len();
    let mut clash = Vec::new();
    if let (Some(fl), Some(c)) = (st.field, st.claim_type)
        && fl != c
    {
        clash.push(format!(
            "`{st_name}` says {fl} but the sign is {len} characters long, which is {c}"
        ));
    }
    if let (Some(o), Some(fl)) = (f.opts.sign_type, st.field)
        && o != fl
    {
        clash.push(format!(
            "the given sign type is {o} but `{st_name}` says {fl}"
        ));
    }
    if let (Some(o), Some(c), None) = (f.opts.sign_type, st.claim_type, st.field)
        && o != c
    {
        clash.push(format!(
            "the given sign type is {o} but the sign is {len} characters long, which is {c}"
        ));
    }
    if !clash.is_empty() {
        let l = clash.join("; ");
        out.push(advisory(
            FindingCode::SignTypeMismatch,
            format!("The sign type is inconsistent: {l}."),
            String::from("签名类型前后不一致（sign_type 字段、所用算法与签名长度不符）。"),
            format!(
                "Use one type end to end: the `{st_name}` field, the algorithm and the verifier must agree."
            ),
        ));
    }
}
