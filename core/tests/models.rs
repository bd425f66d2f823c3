//! The models' conversions and WeChat's validation rules (docs/protocol.md §2.4–§2.9).
#![allow(clippy::unwrap_used)]

use wxpay_core::model::rules::{self, check_envelope};
use wxpay_core::model::{
    ErrCode, Failure, NotifyReply, PaymentNotify, RefundItem, RefundNotify, RefundNotifyInfo,
    RefundQueryRequest, RefundQueryResponse, RefundRequest, UnifiedOrderRequest,
    judge_notify_reply,
};
use wxpay_core::{ApiKey, ParamMap, SignType, sign, verify, xml};

fn map(pairs: &[(&str, &str)]) -> ParamMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn jsapi_order() -> ParamMap {
    map(&[
        ("appid", "wxd930ea5d5a258f4f"),
        ("mch_id", "10000100"),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("sign", "X"),
        ("body", "腾讯充值中心-QQ会员充值"),
        ("out_trade_no", "20150806125346"),
        ("total_fee", "88"),
        ("spbill_create_ip", "123.12.12.123"),
        ("notify_url", "https://example.com/wxpay/notify"),
        ("trade_type", "JSAPI"),
        ("openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        ("brand_new_field", "kept"),
    ])
}

fn business(code: ErrCode, r: Result<(), Failure>) {
    match r {
        Err(Failure::Business { err_code, .. }) => assert_eq!(err_code, code),
        other => panic!("expected {code}, got {other:?}"),
    }
}

fn protocol(r: Result<(), Failure>) -> String {
    match r {
        Err(Failure::Protocol { return_msg }) => return_msg.into_owned(),
        other => panic!("expected return_code=FAIL, got {other:?}"),
    }
}

#[test]
fn unifiedorder_roundtrip_keeps_unknown_fields() {
    let p = jsapi_order();
    let r = UnifiedOrderRequest::from_params(&p).unwrap();
    assert_eq!(r.total_fee, Some(88));
    assert_eq!(
        r.extra.get("brand_new_field").map(String::as_str),
        Some("kept")
    );
    assert_eq!(r.to_params(), p);
    r.validate().unwrap();
}

#[test]
fn non_integer_total_fee_gets_wechats_message() {
    for bad in [
        "0.12",
        "980.0000000000001",
        "1e2",
        " 1",
        "1 ",
        "+1",
        "一",
        "99999999999999999999",
    ] {
        let mut p = jsapi_order();
        p.insert("total_fee".into(), bad.into());
        let msg = protocol(UnifiedOrderRequest::from_params(&p).map(|_| ()));
        assert_eq!(
            msg,
            wxpay_core::model::failure::MSG_TOTAL_FEE_NOT_INT,
            "{bad}"
        );
    }
}

#[test]
fn lack_params() {
    for f in [
        "body",
        "out_trade_no",
        "total_fee",
        "spbill_create_ip",
        "notify_url",
        "trade_type",
        "openid",
    ] {
        let mut p = jsapi_order();
        p.remove(f);
        let r = UnifiedOrderRequest::from_params(&p).unwrap();
        business(ErrCode::LackParams, r.validate());
    }
    let mut p = jsapi_order();
    p.insert("trade_type".into(), "NATIVE".into());
    p.remove("openid");
    business(
        ErrCode::LackParams,
        UnifiedOrderRequest::from_params(&p).unwrap().validate(),
    );
    p.insert("product_id".into(), "12235413214070356458058".into());
    UnifiedOrderRequest::from_params(&p)
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn malformed_values_are_protocol_failures() {
    let cases: &[(&str, &str, &str)] = &[
        ("total_fee", "0", "total_fee"),
        ("total_fee", "-5", "total_fee"),
        ("out_trade_no", "abc12", "out_trade_no"),
        (
            "out_trade_no",
            "2015080612534600000000000000000000",
            "out_trade_no",
        ),
        ("out_trade_no", "order#123456", "out_trade_no"),
        (
            "notify_url",
            "https://example.com/notify?order=1",
            "notify_url",
        ),
        ("notify_url", "/wxpay/notify", "notify_url"),
        ("spbill_create_ip", "localhost", "spbill_create_ip"),
        ("time_expire", "2026-11-24 10:00", "time_expire"),
        ("time_start", "20261324100000", "time_start"),
        ("trade_type", "jsapi", "trade_type"),
        ("limit_pay", "credit", "limit_pay"),
        ("fee_type", "rmb", "fee_type"),
        ("body", &"x".repeat(129), "body"),
        ("attach", &"附".repeat(128), "attach"),
    ];
    for (field, value, expect) in cases {
        let mut p = jsapi_order();
        p.insert((*field).into(), (*value).into());
        let msg = protocol(UnifiedOrderRequest::from_params(&p).unwrap().validate());
        assert!(msg.contains(expect), "{field}={value}: {msg}");
    }
    // At the limits: fine.
    let mut p = jsapi_order();
    p.insert("body".into(), "体".repeat(128));
    p.insert("out_trade_no".into(), "a_b-c|d*".into());
    p.insert("spbill_create_ip".into(), "2001:db8::1".into());
    p.insert("time_expire".into(), "20261124235959".into());
    UnifiedOrderRequest::from_params(&p)
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn reentry_ignores_only_volatile_fields() {
    let a = UnifiedOrderRequest::from_params(&jsapi_order()).unwrap();
    let mut p = jsapi_order();
    p.insert("nonce_str".into(), "other".into());
    p.insert("spbill_create_ip".into(), "10.0.0.1".into());
    p.insert("time_start".into(), "20261124100000".into());
    p.insert("sign_type".into(), "HMAC-SHA256".into());
    let b = UnifiedOrderRequest::from_params(&p).unwrap();
    assert_eq!(a.reentry_params(), b.reentry_params());
    p.insert("total_fee".into(), "89".into());
    let c = UnifiedOrderRequest::from_params(&p).unwrap();
    assert_ne!(a.reentry_params(), c.reentry_params());
}

#[test]
fn time_expire_window() {
    let mut p = jsapi_order();
    let now = rules::parse_time14("20261124100000").unwrap();
    p.insert("time_expire".into(), "20261124100030".into());
    let r = UnifiedOrderRequest::from_params(&p).unwrap();
    business(ErrCode::InvalidRequest, r.check_time_expire(now, 60));
    r.check_time_expire(now, 10).unwrap();
    business(ErrCode::InvalidRequest, r.check_time_expire(now + 3600, 60));
}

#[test]
fn envelope() {
    let p = jsapi_order();
    assert_eq!(check_envelope(&p, true), Ok(SignType::Md5));
    for f in ["appid", "mch_id", "nonce_str", "sign"] {
        let mut q = p.clone();
        q.remove(f);
        assert!(protocol(check_envelope(&q, true).map(|_| ())).contains(f));
    }
    let mut q = p.clone();
    q.remove("appid");
    assert!(
        check_envelope(&q, false).is_ok(),
        "getsignkey needs no appid"
    );
    q.insert("sign_type".into(), "md5".into());
    assert_eq!(
        protocol(check_envelope(&q, false).map(|_| ())),
        "签名类型不支持"
    );
    q.insert("sign_type".into(), "HMAC-SHA256".into());
    assert_eq!(check_envelope(&q, false), Ok(SignType::HmacSha256));
}

#[test]
fn refund_rules() {
    let base = map(&[
        ("out_trade_no", "20150806125346"),
        ("out_refund_no", "R20150806125346"),
        ("total_fee", "100"),
        ("refund_fee", "30"),
    ]);
    RefundRequest::from_params(&base)
        .unwrap()
        .validate()
        .unwrap();
    for (f, v) in [
        ("refund_fee", "101"),
        ("refund_fee", "0"),
        ("out_trade_no", ""),
        ("out_refund_no", ""),
    ] {
        let mut p = base.clone();
        p.insert(f.into(), v.into());
        business(
            ErrCode::ParamError,
            RefundRequest::from_params(&p).unwrap().validate(),
        );
    }
    let mut p = base.clone();
    p.insert("refund_fee".into(), "0.3".into());
    assert!(protocol(RefundRequest::from_params(&p).map(|_| ())).contains("refund_fee"));
    business(
        ErrCode::ParamError,
        RefundQueryRequest::default().validate(),
    );
}

#[test]
fn refundquery_items_roundtrip() {
    let mut r = RefundQueryResponse::default();
    let items = vec![
        RefundItem {
            out_refund_no: "R1".into(),
            refund_id: "50000".into(),
            refund_fee: 30,
            refund_status: "SUCCESS".into(),
            ..Default::default()
        },
        RefundItem {
            out_refund_no: "R2".into(),
            refund_id: "50001".into(),
            refund_fee: 70,
            refund_status: "PROCESSING".into(),
            ..Default::default()
        },
    ];
    r.set_refunds(&items);
    let p = r.to_params();
    assert_eq!(p["refund_fee_1"], "70");
    assert_eq!(p["refund_count"], "2");
    let back = RefundQueryResponse::from_params(&p).unwrap();
    assert_eq!(back.refunds().unwrap(), items);
}

#[test]
fn hmac_notify_without_sign_type_verifies_by_length() {
    let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    let mut n = PaymentNotify {
        return_code: Some("SUCCESS".into()),
        appid: Some("wxd930ea5d5a258f4f".into()),
        mch_id: Some("10000100".into()),
        nonce_str: Some("5d2b6c2a8db53831f7eda20af46e531c".into()),
        result_code: Some("SUCCESS".into()),
        openid: Some("oUpF8uMEb4qRXf22hE3X68TekukE".into()),
        total_fee: Some(1),
        out_trade_no: Some("1409811653".into()),
        transaction_id: Some("4200000000202611240000000001".into()),
        attach: Some("支付测试".into()),
        ..Default::default()
    };
    n.extra.insert("coupon_id_0".into(), "10000".into());
    let s = sign(&n.to_params(), &key, SignType::HmacSha256);
    n.sign = Some(s.to_string());
    let body = xml::encode(&n.to_params()).unwrap();
    let m = xml::decode(body.as_bytes()).unwrap();
    assert!(m.get("sign_type").is_none());
    assert_eq!(verify(&m, &key, None), Ok(SignType::HmacSha256));
    let parsed = PaymentNotify::from_params(&m.to_param_map()).unwrap();
    assert_eq!(parsed, n);
}

#[test]
fn refund_notify_roundtrip() {
    let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    let info = RefundNotifyInfo {
        out_refund_no: Some("R2026112400001".into()),
        refund_fee: Some(1),
        refund_status: Some("SUCCESS".into()),
        success_time: Some(rules::format_datetime(1_795_500_000)),
        refund_recv_accout: Some("支付用户零钱".into()),
        ..Default::default()
    };
    let outer = RefundNotify {
        return_code: Some("SUCCESS".into()),
        req_info: Some(info.encrypt(&key).unwrap()),
        ..Default::default()
    };
    assert_eq!(outer.decrypt(&key).unwrap(), info);
    assert!(outer.decrypt(&ApiKey::new("0".repeat(32))).is_err());
}

#[test]
fn notify_reply_judgement() {
    assert_eq!(NotifyReply::success().to_xml(), xml::NOTIFY_REPLY_SUCCESS);
    assert!(judge_notify_reply(200, xml::NOTIFY_REPLY_SUCCESS.as_bytes()).is_ok());
    assert!(judge_notify_reply(200, b"<xml><return_code>SUCCESS</return_code></xml>\n").is_ok());
    let cases: &[(u16, &[u8], &str)] = &[
        (201, xml::NOTIFY_REPLY_SUCCESS.as_bytes(), "HTTP 201"),
        (500, b"", "HTTP 500"),
        (200, b"", "empty"),
        (
            200,
            b"<!DOCTYPE html><html><body>Whitelabel Error Page</body></html>",
            "HTML",
        ),
        (200, b"success", "not WeChat reply XML"),
        (
            200,
            b"<xml><return_msg>OK</return_msg></xml>",
            "no return_code",
        ),
        (
            200,
            b"<xml><return_code>FAIL</return_code><return_msg>sign bad</return_msg></xml>",
            "sign bad",
        ),
        (
            200,
            b"<xml><return_code>success</return_code></xml>",
            "only the exact text SUCCESS",
        ),
    ];
    for (status, body, expect) in cases {
        let why = judge_notify_reply(*status, body).unwrap_err();
        assert!(why.contains(expect), "{status} {body:?}: {why}");
    }
}

#[test]
fn err_codes_are_unique_and_parse() {
    for c in ErrCode::ALL {
        assert_eq!(ErrCode::parse(c.as_str()), Some(*c));
    }
    let f = Failure::business(ErrCode::OrderPaid).to_params();
    assert_eq!(f["return_code"], "SUCCESS");
    assert_eq!(f["result_code"], "FAIL");
    assert_eq!(f["err_code"], "ORDERPAID");
    assert_eq!(f["err_code_des"], "商户订单已支付");
}

/// Re-entry and closeorder refuse a final order: paid or refunded →
/// ORDERPAID, closed → ORDERCLOSED; an order that can still be paid passes.
#[test]
fn order_final_names_the_state() {
    use wxpay_core::model::TradeState;
    let code = |s| match Failure::order_final(s) {
        Some(Failure::Business { err_code, .. }) => Some(err_code),
        Some(other) => panic!("not a business failure: {other:?}"),
        None => None,
    };
    assert_eq!(code(TradeState::Success), Some(ErrCode::OrderPaid));
    assert_eq!(code(TradeState::Refund), Some(ErrCode::OrderPaid));
    assert_eq!(code(TradeState::Closed), Some(ErrCode::OrderClosed));
    for open in [
        TradeState::NotPay,
        TradeState::UserPaying,
        TradeState::PayError,
    ] {
        assert_eq!(code(open), None, "{open:?}");
    }
}

#[test]
fn amounts_are_positive_and_within_wechats_int() {
    assert_eq!(rules::MAX_FEE, 2_147_483_647);
    // unifiedorder: (total_fee, accepted)
    for (fee, ok) in [
        ("1", true),
        ("2147483647", true),
        ("2147483648", false),
        ("9223372036854775807", false),
        ("0", false),
        ("-1", false),
        ("-9223372036854775808", false),
    ] {
        let mut p = jsapi_order();
        p.insert("total_fee".into(), fee.into());
        let r = UnifiedOrderRequest::from_params(&p).unwrap().validate();
        if ok {
            r.unwrap_or_else(|f| panic!("{fee}: {f:?}"));
        } else {
            assert!(protocol(r).contains("total_fee"), "{fee}");
        }
    }
    // refund: both amounts, PARAM_ERROR.
    let base = map(&[
        ("out_trade_no", "20150806125346"),
        ("out_refund_no", "R20150806125346"),
        ("total_fee", "2147483647"),
        ("refund_fee", "2147483647"),
    ]);
    RefundRequest::from_params(&base)
        .unwrap()
        .validate()
        .unwrap();
    for (f, v) in [
        ("total_fee", "2147483648"),
        ("total_fee", "9223372036854775807"),
        ("refund_fee", "9223372036854775807"),
    ] {
        let mut p = base.clone();
        p.insert(f.into(), v.into());
        business(
            ErrCode::ParamError,
            RefundRequest::from_params(&p).unwrap().validate(),
        );
    }
}

#[test]
fn money_arithmetic_is_checked() {
    assert!(rules::is_valid_fee(1) && rules::is_valid_fee(rules::MAX_FEE));
    assert!(!rules::is_valid_fee(0) && !rules::is_valid_fee(rules::MAX_FEE + 1));
    assert_eq!(rules::checked_fee_sum([1, 2, 3]), Some(6));
    assert_eq!(rules::checked_fee_sum([]), Some(0));
    assert_eq!(rules::checked_fee_sum([i64::MAX, 1]), None);
    assert_eq!(rules::checked_fee_sum([5, -1]), None);
    // The overflow of issue 17 item 6: a refund of the full amount after a
    // refund of 1, on total_fee = i64::MAX, must not fit.
    assert!(rules::refund_fits(100, 30, 70));
    assert!(!rules::refund_fits(100, 30, 71));
    assert!(!rules::refund_fits(i64::MAX, 1, i64::MAX));
    assert!(!rules::refund_fits(100, -5, 10));
    assert!(!rules::refund_fits(100, 0, -1));
}
