//! The production-strict rules of `model::fidelity` (docs/fidelity.md):
//! answer shapes, refund rules, time rules and the switches' defaults.
#![allow(clippy::unwrap_used)]

use wxpay_core::model::fidelity::{
    self, AnswerShape, ConfigError, ConfigErrorLevel, DuplicateOrderCode, Fidelity,
    ORDERQUERY_FIELD_ORDER, OrderView, Payability, REFUND_ERR_CODES, Reentry, ReentryAnswer,
    RefundOutcome, TextEra, text,
};
use wxpay_core::model::rules::{PREPAY_ID_TTL_SECS, parse_time14};
use wxpay_core::model::{
    ErrCode, Failure, RefundStatus, ReportRequest, TradeState, UnifiedOrderRequest,
};
use wxpay_core::{ParamMap, xml};

fn map(pairs: &[(&str, &str)]) -> ParamMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn business(r: Result<(), Failure>) -> (ErrCode, String) {
    match r {
        Err(Failure::Business {
            err_code,
            err_code_des,
        }) => (err_code, err_code_des.into_owned()),
        other => panic!("expected a business failure, got {other:?}"),
    }
}

fn protocol(f: &Failure) -> String {
    match f {
        Failure::Protocol { return_msg } => return_msg.to_string(),
        other => panic!("expected a protocol failure, got {other:?}"),
    }
}

fn unpaid(out_trade_no: &str, total_fee: i64) -> OrderView<'_> {
    OrderView {
        state: TradeState::NotPay,
        out_trade_no,
        total_fee,
        device_info: None,
        attach: None,
        openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        is_subscribe: "N",
        trade_type: "JSAPI",
        bank_type: "OTHERS",
        fee_type: "CNY",
        transaction_id: None,
        time_end: None,
        cash_fee: 0,
    }
}

/// The envelope a responder adds, then the whole answer in production order.
fn answer(fields: Vec<(&'static str, String)>, sign: &str) -> String {
    let mut all: Vec<(&str, String)> = vec![
        ("return_code", "SUCCESS".into()),
        ("return_msg", "OK".into()),
        ("appid", "wx735916a7779a132e".into()),
        ("mch_id", "1540992911".into()),
        ("nonce_str", "W7glVX3Spw3u6JJr".into()),
        ("sign", sign.into()),
        ("result_code", "SUCCESS".into()),
    ];
    all.extend(fields);
    let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ordered = fidelity::in_field_order(ORDERQUERY_FIELD_ORDER, pairs.as_slice());
    fidelity::production_xml(&ordered).unwrap()
}

#[test]
fn orderquery_of_an_unpaid_order_has_production_fields_and_order() {
    let fields = fidelity::orderquery_fields(&unpaid("1000172152", 2500));
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        names,
        [
            "device_info",
            "total_fee",
            "out_trade_no",
            "trade_state",
            "trade_state_desc"
        ]
    );
    for absent in [
        "openid",
        "trade_type",
        "is_subscribe",
        "fee_type",
        "bank_type",
    ] {
        assert!(!names.contains(&absent), "{absent} must not be invented");
    }
    // A 2019 NOTPAY answer as production wrote it (docs/fidelity.md §10):
    // empty device_info, bare total_fee, all-digit out_trade_no in CDATA.
    let expected = concat!(
        "<xml><return_code><![CDATA[SUCCESS]]></return_code>",
        "<return_msg><![CDATA[OK]]></return_msg>",
        "<appid><![CDATA[wx735916a7779a132e]]></appid>",
        "<mch_id><![CDATA[1540992911]]></mch_id>",
        "<device_info><![CDATA[]]></device_info>",
        "<nonce_str><![CDATA[W7glVX3Spw3u6JJr]]></nonce_str>",
        "<sign><![CDATA[66912C701CA498397D0F0B036C18ADBC9AD8A5E3A9A8FC437C2B317E0B516D6A]]></sign>",
        "<result_code><![CDATA[SUCCESS]]></result_code>",
        "<total_fee>2500</total_fee>",
        "<out_trade_no><![CDATA[1000172152]]></out_trade_no>",
        "<trade_state><![CDATA[NOTPAY]]></trade_state>",
        "<trade_state_desc><![CDATA[订单未支付]]></trade_state_desc>",
        "</xml>"
    );
    assert_eq!(
        answer(
            fields,
            "66912C701CA498397D0F0B036C18ADBC9AD8A5E3A9A8FC437C2B317E0B516D6A"
        ),
        expected
    );
}

#[test]
fn orderquery_of_a_closed_order_sends_an_empty_attach_and_nothing_else() {
    let mut v = unpaid("20180818714435", 1);
    v.state = TradeState::Closed;
    let fields = fidelity::orderquery_fields(&v);
    assert_eq!(
        fields,
        [
            ("out_trade_no", "20180818714435".to_owned()),
            ("attach", String::new()),
            ("trade_state", "CLOSED".to_owned()),
            ("trade_state_desc", "订单已关闭".to_owned()),
        ]
    );
    // The empty element is written, and it round-trips through the codec.
    let xml_text = answer(fields, "X");
    assert!(xml_text.contains("<attach><![CDATA[]]></attach>"));
    assert!(xml::decode(xml_text.as_bytes()).is_ok());
}

#[test]
fn orderquery_of_a_refunded_order_matches_the_pasted_2020_answer() {
    let v = OrderView {
        state: TradeState::Refund,
        out_trade_no: "90013580520959892632499715588959",
        total_fee: 30000,
        device_info: None,
        attach: None,
        openid: "oenOB4tQ2pKtKuWSp6eGwf9XNjsY",
        is_subscribe: "N",
        trade_type: "JSAPI",
        bank_type: "COMM_DEBIT",
        fee_type: "CNY",
        transaction_id: Some("4200000536202005163811292828"),
        time_end: Some("20200516095807"),
        cash_fee: 30000,
    };
    let xml_text = answer(fidelity::orderquery_fields(&v), "X");
    let body = xml_text
        .split("<result_code><![CDATA[SUCCESS]]></result_code>")
        .nth(1)
        .unwrap();
    assert_eq!(
        body,
        concat!(
            "<openid><![CDATA[oenOB4tQ2pKtKuWSp6eGwf9XNjsY]]></openid>",
            "<is_subscribe><![CDATA[N]]></is_subscribe>",
            "<trade_type><![CDATA[JSAPI]]></trade_type>",
            "<bank_type><![CDATA[COMM_DEBIT]]></bank_type>",
            "<total_fee>30000</total_fee>",
            "<fee_type><![CDATA[CNY]]></fee_type>",
            "<transaction_id><![CDATA[4200000536202005163811292828]]></transaction_id>",
            "<out_trade_no><![CDATA[90013580520959892632499715588959]]></out_trade_no>",
            "<attach><![CDATA[]]></attach>",
            "<time_end><![CDATA[20200516095807]]></time_end>",
            "<trade_state><![CDATA[REFUND]]></trade_state>",
            "<cash_fee>30000</cash_fee>",
            "<trade_state_desc><![CDATA[订单发生过退款，退款详情请查询退款单]]></trade_state_desc>",
            "<cash_fee_type><![CDATA[CNY]]></cash_fee_type>",
            "</xml>"
        )
    );
    // device_info appears on a paid order only when one was sent.
    let mut with_device = v;
    with_device.device_info = Some("WEB");
    let fields = fidelity::orderquery_fields(&with_device);
    assert_eq!(fields[0], ("device_info", "WEB".to_owned()));
}

#[test]
fn empty_elements_are_not_signed() {
    // Production signs without empty values, so a verifier that signs them
    // fails on a production answer; the pairs built here sign the same with
    // and without the empty device_info.
    let fields = fidelity::orderquery_fields(&unpaid("1000172152", 2500));
    let key = wxpay_core::ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    let with_empty: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let without: Vec<(&str, &str)> = with_empty
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    assert_eq!(
        wxpay_core::sign(with_empty.as_slice(), &key, wxpay_core::SignType::Md5),
        wxpay_core::sign(without.as_slice(), &key, wxpay_core::SignType::Md5)
    );
}

#[test]
fn trade_state_descriptions_are_productions() {
    let cases = [
        (TradeState::Success, "支付成功"),
        (TradeState::NotPay, "订单未支付"),
        (TradeState::Closed, "订单已关闭"),
        (TradeState::Refund, "订单发生过退款，退款详情请查询退款单"),
        (TradeState::UserPaying, "需要用户输入支付密码"),
        (TradeState::PayError, "支付失败，请撤销订单"),
    ];
    for (state, desc) in cases {
        assert_eq!(fidelity::trade_state_desc(state), desc);
    }
}

#[test]
fn refund_sum_rule() {
    fidelity::check_refund_sum(100, 0, 100).unwrap();
    fidelity::check_refund_sum(100, 60, 40).unwrap();
    assert_eq!(
        business(fidelity::check_refund_sum(100, 60, 41)),
        (ErrCode::RefundFeeInvalid, "累计退款金额大于支付金额".into())
    );
    assert_eq!(
        business(fidelity::check_refund_sum(100, 0, 101)).0,
        ErrCode::RefundFeeInvalid
    );
    assert_eq!(
        business(fidelity::check_refund_sum(100, 100, 1)),
        (ErrCode::Error, "订单已全额退款".into())
    );
    // No overflow panic.
    assert_eq!(
        business(fidelity::check_refund_sum(i64::MAX, 1, i64::MAX)).0,
        ErrCode::RefundFeeInvalid
    );
    // NOTENOUGH is the merchant's balance, never the order's.
    assert_ne!(
        business(fidelity::check_refund_sum(100, 60, 41)).0,
        ErrCode::NotEnough
    );
}

#[test]
fn refunds_of_unpaid_and_closed_orders() {
    fidelity::check_refundable(Some(TradeState::Success)).unwrap();
    fidelity::check_refundable(Some(TradeState::Refund)).unwrap();
    assert_eq!(
        business(fidelity::check_refundable(Some(TradeState::NotPay))),
        (ErrCode::OrderNotExist, "订单不存在".into())
    );
    assert_eq!(
        business(fidelity::check_refundable(None)).0,
        ErrCode::OrderNotExist
    );
    assert_eq!(
        business(fidelity::check_refundable(Some(TradeState::Closed))),
        (ErrCode::Error, "订单已关闭".into())
    );
    assert_eq!(
        business(Err(fidelity::refund_fee_mismatch())),
        (
            ErrCode::RefundFeeMismatch,
            "订单金额或退款金额与之前请求不一致，请核实后再试".into()
        )
    );
}

#[test]
fn every_refund_err_code_is_injectable_by_name() {
    let names: Vec<&str> = REFUND_ERR_CODES.iter().map(|(c, _)| c.as_str()).collect();
    for must in [
        "REFUND_FEE_INVALID",
        "REFUND_FEE_MISMATCH",
        "CERT_ERROR",
        "ORDER_NOT_READY",
        "NOTENOUGH",
        "USER_ACCOUNT_ABNORMAL",
        "INVALID_REQ_TOO_MUCH",
        "FREQUENCY_LIMITED",
        "BIZERR_NEED_RETRY",
        "TRADE_OVERDUE",
        "NOAUTH",
        "INVALID_REQUEST",
    ] {
        assert!(
            names.contains(&must),
            "{must} missing from the refund table"
        );
    }
    for (code, des) in REFUND_ERR_CODES {
        // A control API arms faults by wire name.
        let parsed = ErrCode::parse(code.as_str()).unwrap();
        let f = fidelity::refund_fault(parsed).unwrap();
        assert_eq!(business(Err(f)), (*code, (*des).to_owned()));
    }
    assert_eq!(fidelity::refund_fault(ErrCode::OrderPaid), None);
    assert_eq!(
        business(Err(fidelity::refund_fault(ErrCode::NoAuth).unwrap())).1,
        "异常IP请求不予受理"
    );
}

#[test]
fn time_expire_rule() {
    let f = Fidelity::default();
    let t0 = 1_700_000_000;
    f.check_time_expire(Some("JSAPI"), t0, t0 + 300).unwrap();
    assert_eq!(
        business(f.check_time_expire(Some("JSAPI"), t0, t0 + 299)),
        (
            ErrCode::ParamError,
            "time_expire时间过短，刷卡至少1分钟，其他5分钟".into()
        )
    );
    // An expiry in the past is refused too.
    assert_eq!(
        business(f.check_time_expire(Some("NATIVE"), t0, t0 - 10)).0,
        ErrCode::ParamError
    );
    f.check_time_expire(Some("MICROPAY"), t0, t0 + 60).unwrap();
    assert_eq!(
        business(f.check_time_expire(Some("MICROPAY"), t0, t0 + 59)).0,
        ErrCode::ParamError
    );
    let one = Fidelity {
        time_expire_min_minutes: 1,
        ..Fidelity::default()
    };
    one.check_time_expire(Some("JSAPI"), t0, t0 + 60).unwrap();
    let off = Fidelity {
        time_expire_min_minutes: 0,
        ..Fidelity::default()
    };
    off.check_time_expire(Some("JSAPI"), t0, t0 - 3600).unwrap();
    // No overflow panic at the extremes.
    assert!(f.check_time_expire(None, i64::MAX, i64::MIN).is_err());
}

#[test]
fn time_expire_rule_on_the_request() {
    let order = |start: &str, expire: &str| {
        UnifiedOrderRequest::from_params(&map(&[
            ("trade_type", "JSAPI"),
            ("time_start", start),
            ("time_expire", expire),
        ]))
        .unwrap()
    };
    let now = parse_time14("20261204120000").unwrap();
    let f = Fidelity::default();
    f.check_order_time_expire(&order("20261204120000", "20261204120500"), now)
        .unwrap();
    let short = order("20261204120000", "20261204120200");
    assert_eq!(
        business(f.check_order_time_expire(&short, now)).0,
        ErrCode::ParamError
    );
    // A time_start in the past counts from now.
    let stale = order("20261204100000", "20261204120400");
    assert!(f.check_order_time_expire(&stale, now).is_err());
}

#[test]
fn refund_pacing_is_a_function_of_last_refund_and_now() {
    let f = Fidelity::default();
    let t = 1_700_000_000;
    f.check_refund_pacing(None, t).unwrap();
    assert_eq!(
        business(f.check_refund_pacing(Some(t - 59), t)),
        (
            ErrCode::FrequencyLimited,
            "单笔订单请求频率过高，请于1分钟后重试.".into()
        )
    );
    f.check_refund_pacing(Some(t - 60), t).unwrap();
    let off = Fidelity {
        refund_pacing: false,
        ..Fidelity::default()
    };
    off.check_refund_pacing(Some(t), t).unwrap();
    assert!(f.check_refund_pacing(Some(i64::MAX), i64::MIN).is_err());
}

#[test]
fn refunds_settle_after_the_delay() {
    let f = Fidelity::default();
    let t = 1_700_000_000;
    assert_eq!(f.refund_settles_at(t), t + 10);
    assert_eq!(
        f.refund_status_at(t, t, RefundOutcome::Success),
        RefundStatus::Processing
    );
    assert_eq!(
        f.refund_status_at(t, t + 9, RefundOutcome::Change),
        RefundStatus::Processing
    );
    assert_eq!(
        f.refund_status_at(t, t + 10, RefundOutcome::Success),
        RefundStatus::Success
    );
    assert_eq!(
        f.refund_status_at(t, t + 10, RefundOutcome::Change),
        RefundStatus::Change
    );
    assert_eq!(
        f.refund_status_at(t, t + 99, RefundOutcome::RefundClose),
        RefundStatus::RefundClose
    );
}

#[test]
fn duplicate_notifies_are_deterministic_and_near_the_ratio() {
    let f = Fidelity::default();
    let keys: Vec<String> = (0..10_000).map(|i| format!("order-{i}")).collect();
    let picked: Vec<bool> = keys.iter().map(|k| f.duplicate_notify(k)).collect();
    let again: Vec<bool> = keys.iter().map(|k| f.duplicate_notify(k)).collect();
    assert_eq!(picked, again);
    let share = picked.iter().filter(|b| **b).count();
    assert!((1_700..=2_300).contains(&share), "{share} of 10000");
    let other = Fidelity {
        seed: 7,
        ..Fidelity::default()
    };
    let other_picked: Vec<bool> = keys.iter().map(|k| other.duplicate_notify(k)).collect();
    assert_ne!(picked, other_picked);
    let none = Fidelity {
        duplicate_notify_ratio: 0.0,
        ..Fidelity::default()
    };
    assert!(keys.iter().all(|k| !none.duplicate_notify(k)));
    let all = Fidelity {
        duplicate_notify_ratio: 1.0,
        ..Fidelity::default()
    };
    assert!(keys.iter().all(|k| all.duplicate_notify(k)));
    let nan = Fidelity {
        duplicate_notify_ratio: f64::NAN,
        ..Fidelity::default()
    };
    assert!(!nan.duplicate_notify("x"));
}

#[test]
fn configuration_errors_are_unsigned_with_productions_texts() {
    let f = Fidelity::default();
    for (e, msg) in [
        (ConfigError::UnknownMchId, "商户号mch_id或sub_mch_id不存在"),
        (ConfigError::UnknownAppId, "AppID不存在，请检查后再试"),
        (ConfigError::AppIdMchIdMismatch, "商户号mch_id与appid不匹配"),
    ] {
        let failure = f.config_error(e);
        assert_eq!(protocol(&failure), msg);
        let p = failure.to_params();
        assert_eq!(p.keys().collect::<Vec<_>>(), ["return_code", "return_msg"]);
    }
    let legacy = Fidelity {
        appid_error_text: TextEra::Legacy,
        ..Fidelity::default()
    };
    assert_eq!(
        protocol(&legacy.config_error(ConfigError::UnknownAppId)),
        "appid不存在"
    );
    let business_level = Fidelity {
        config_errors: ConfigErrorLevel::Business,
        ..Fidelity::default()
    };
    assert_eq!(
        business(Err(
            business_level.config_error(ConfigError::AppIdMchIdMismatch)
        ))
        .0,
        ErrCode::AppidMchidNotMatch
    );
}

#[test]
fn signature_error_text_is_current_by_default() {
    assert_eq!(
        protocol(&Fidelity::default().sign_error()),
        "签名错误，请检查后再试"
    );
    let legacy = Fidelity {
        sign_error_text: TextEra::Legacy,
        ..Fidelity::default()
    };
    assert_eq!(protocol(&legacy.sign_error()), "签名错误");
}

#[test]
fn openid_of_another_app() {
    assert_eq!(
        business(Err(fidelity::openid_mismatch())),
        (ErrCode::ParamError, "appid和openid不匹配".into())
    );
}

#[test]
fn reentry() {
    let f = Fidelity::default();
    let t = 1_700_000_000;
    let ttl = i64::try_from(PREPAY_ID_TTL_SECS).unwrap();
    assert_eq!(f.reentry(true, t, t + 60), ReentryAnswer::SamePrepayId);
    assert_eq!(f.reentry(true, t, t + ttl), ReentryAnswer::NewPrepayId);
    let ReentryAnswer::Refuse(changed) = f.reentry(false, t, t + 60) else {
        panic!("changed parameters must be refused");
    };
    assert_eq!(
        business(Err(changed)),
        (ErrCode::InvalidRequest, "201 商户订单号重复".into())
    );
    let refuse = Fidelity {
        reentry: Reentry::Refuse,
        ..Fidelity::default()
    };
    assert!(matches!(
        refuse.reentry(true, t, t + 1),
        ReentryAnswer::Refuse(_)
    ));
    let old_code = Fidelity {
        duplicate_order_code: DuplicateOrderCode::OutTradeNoUsed,
        ..Fidelity::default()
    };
    assert_eq!(
        business(Err(old_code.duplicate_order())).0,
        ErrCode::OutTradeNoUsed
    );
}

#[test]
fn strict_reentry_compares_time_and_ip() {
    let base = [
        ("appid", "wxd930ea5d5a258f4f"),
        ("body", "x"),
        ("nonce_str", "a"),
        ("sign", "b"),
        ("spbill_create_ip", "1.2.3.4"),
        ("time_start", "20261204120000"),
    ];
    let a = UnifiedOrderRequest::from_params(&map(&base)).unwrap();
    let mut other = map(&base);
    other.insert("nonce_str".into(), "c".into());
    other.insert("sign".into(), "d".into());
    let b = UnifiedOrderRequest::from_params(&other).unwrap();
    assert_eq!(a.reentry_params_strict(), b.reentry_params_strict());
    other.insert("time_start".into(), "20261204120001".into());
    let c = UnifiedOrderRequest::from_params(&other).unwrap();
    assert_ne!(a.reentry_params_strict(), c.reentry_params_strict());
    // The lenient comparison ignores it.
    assert_eq!(a.reentry_params(), c.reentry_params());
}

#[test]
fn closeorder_closes_at_once_by_default() {
    let f = Fidelity::default();
    let t = 1_700_000_000;
    f.check_close(TradeState::NotPay, t, t).unwrap();
    assert_eq!(
        business(f.check_close(TradeState::Success, t, t)),
        (ErrCode::OrderPaid, "order paid".into())
    );
    assert_eq!(
        business(f.check_close(TradeState::Refund, t, t)).0,
        ErrCode::OrderPaid
    );
    assert_eq!(
        business(f.check_close(TradeState::Closed, t, t)).0,
        ErrCode::OrderClosed
    );
    let five = Fidelity {
        closeorder_min_age_seconds: 300,
        ..Fidelity::default()
    };
    assert_eq!(
        business(five.check_close(TradeState::NotPay, t, t + 299)).0,
        ErrCode::TradeStateError
    );
    five.check_close(TradeState::NotPay, t, t + 300).unwrap();
}

#[test]
fn expiry() {
    let f = Fidelity::default();
    let t = 1_700_000_000;
    let ttl = i64::try_from(PREPAY_ID_TTL_SECS).unwrap();
    assert_eq!(f.payability(t, None, t + 1), Payability::Payable);
    assert_eq!(f.payability(t, None, t + ttl), Payability::PrepayExpired);
    assert_eq!(
        f.payability(t, Some(t + 600), t + 600),
        Payability::OrderExpired
    );
    // Past time_expire the order still shows NOTPAY until WeChat closes it.
    assert_eq!(
        f.effective_state(TradeState::NotPay, t, t + 86_400),
        TradeState::NotPay
    );
    assert_eq!(
        f.effective_state(TradeState::NotPay, t, t + 7 * 86_400),
        TradeState::Closed
    );
    assert_eq!(
        f.effective_state(TradeState::Success, t, t + 30 * 86_400),
        TradeState::Success
    );
    let never = Fidelity {
        auto_close_days: 0,
        ..Fidelity::default()
    };
    assert_eq!(
        never.effective_state(TradeState::NotPay, t, t + 365 * 86_400),
        TradeState::NotPay
    );
}

#[test]
fn xml_forbidden_characters_are_refused() {
    fidelity::check_xml_chars(&map(&[("attach", "订单 a\tb\r\n😀")])).unwrap();
    for bad in ["a\u{1}b", "a\u{fffe}", "\u{ffff}", "\u{b}"] {
        let f = fidelity::check_xml_chars(&map(&[("attach", bad)])).unwrap_err();
        assert_eq!(protocol(&f), "XML格式错误");
    }
    // The character reference form, once decoded, is refused the same way.
    let body = "<xml><attach>a&#1;b</attach><appid>wx1</appid></xml>";
    // (Either the codec refuses it already, or the decoded value is caught.)
    match xml::decode(body.as_bytes()) {
        Ok(decoded) => {
            let p = decoded.to_param_map();
            assert!(fidelity::check_xml_chars(&p).is_err());
            assert_eq!(fidelity::find_forbidden_char(&p), Some(("attach", '\u{1}')));
        }
        Err(e) => assert!(e.code().starts_with("ERR_XML"), "{e}"),
    }
}

#[test]
fn production_xml_writes_cdata_bare_integers_and_escapes() {
    let out = fidelity::production_xml(&[
        ("out_trade_no", "123456"),
        ("total_fee", "1"),
        ("refund_fee_0", "1"),
        ("attach", "a]]>b"),
        ("total_fee_bad", "12"),
    ])
    .unwrap();
    assert_eq!(
        out,
        "<xml><out_trade_no><![CDATA[123456]]></out_trade_no><total_fee>1</total_fee>\
         <refund_fee_0>1</refund_fee_0><attach><![CDATA[a]]]]><![CDATA[>b]]></attach>\
         <total_fee_bad><![CDATA[12]]></total_fee_bad></xml>"
    );
    let back = xml::decode(out.as_bytes()).unwrap();
    assert_eq!(back.get("attach"), Some("a]]>b"));
    assert_eq!(
        fidelity::production_xml(&[("bad name", "x")]),
        Err("bad name")
    );
    for (name, int) in [
        ("total_fee", true),
        ("cash_fee", true),
        ("coupon_refund_fee_0_1", true),
        ("refund_count", true),
        ("execute_time_", true),
        ("mch_id", false),
        ("time_end", false),
        ("out_refund_no_0", false),
    ] {
        assert_eq!(fidelity::is_int_field(name), int, "{name}");
    }
}

#[test]
fn reports_must_be_well_formed() {
    let good = map(&[
        (
            "interface_url",
            "https://api.mch.weixin.qq.com/pay/unifiedorder",
        ),
        ("execute_time_", "1000"),
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("result_code", "SUCCESS"),
        ("user_ip", "8.8.8.8"),
        ("time", "20261204120000"),
    ]);
    ReportRequest::from_params(&good)
        .unwrap()
        .validate()
        .unwrap();
    let mut missing = good.clone();
    missing.remove("interface_url");
    assert_eq!(
        business(ReportRequest::from_params(&missing).unwrap().validate()).0,
        ErrCode::LackParams
    );
    let mut bad = good.clone();
    bad.insert("return_code".into(), "OK".into());
    assert!(matches!(
        ReportRequest::from_params(&bad).unwrap().validate(),
        Err(Failure::Protocol { .. })
    ));
    let mut not_int = good;
    not_int.insert("execute_time_".into(), "1.5".into());
    assert!(ReportRequest::from_params(&not_int).is_err());
}

#[test]
fn defaults_are_the_production_choices() {
    let f = Fidelity::default();
    assert!(f.refund_cert && f.openid && f.refund_pacing && f.xml_chars && f.report);
    assert_eq!(f.reentry, Reentry::SamePrepayId);
    assert_eq!(
        f.duplicate_order_code,
        DuplicateOrderCode::InvalidRequest201
    );
    assert_eq!(f.config_errors, ConfigErrorLevel::Protocol);
    assert_eq!(f.sign_error_text, TextEra::Current);
    assert_eq!(f.answer_shape, AnswerShape::Production);
    assert_eq!(f.time_expire_min_minutes, 5);
    assert_eq!(f.closeorder_min_age_seconds, 0);
    assert_eq!(f.refund_pacing_seconds, 60);
    assert!(f.refund_delay_seconds > 0);
    assert!(f.duplicate_notify_ratio > 0.0);
    assert_eq!(text::OUT_TRADE_NO_DUPLICATE, "201 商户订单号重复");
}

#[cfg(feature = "serde")]
#[test]
fn fidelity_deserializes_with_defaults_and_refuses_unknown_fields() {
    let f: Fidelity = serde_json::from_str("{}").unwrap();
    assert_eq!(f, Fidelity::default());
    let f: Fidelity = serde_json::from_str(
        r#"{"openid": false, "reentry": "refuse", "sign_error_text": "legacy",
            "duplicate_order_code": "out_trade_no_used", "config_errors": "business",
            "answer_shape": "sorted", "duplicate_notify_ratio": 0.5, "seed": 9}"#,
    )
    .unwrap();
    assert!(!f.openid);
    assert_eq!(f.reentry, Reentry::Refuse);
    assert_eq!(f.sign_error_text, TextEra::Legacy);
    assert_eq!(f.duplicate_order_code, DuplicateOrderCode::OutTradeNoUsed);
    assert_eq!(f.config_errors, ConfigErrorLevel::Business);
    assert_eq!(f.answer_shape, AnswerShape::Sorted);
    assert_eq!(f.seed, 9);
    assert!(serde_json::from_str::<Fidelity>(r#"{"opnid": false}"#).is_err());
    assert!(serde_json::from_str::<Fidelity>(r#"{"reentry": "maybe"}"#).is_err());
}
