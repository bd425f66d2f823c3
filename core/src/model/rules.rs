//! Protocol constants and field rules (docs/protocol.md §2.4–§2.12). Every other
//! part of the project takes these from here.

use alloc::string::String;

use super::{ErrCode, Failure};
use crate::{ParamMap, SignType};

/// WeChat's notify retry schedule: the interval before each retry, in
/// seconds, counted from the previous attempt: 15s/15s/30s/3m/10m/20m/30m/
/// 30m/30m/60m/3h/3h/3h/6h/6h, 24h4m in all (docs/protocol.md §2.8). The same
/// schedule applies to refund notifies.
pub const NOTIFY_RETRY_SCHEDULE_SECS: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10_800, 10_800, 10_800, 21_600, 21_600,
];

/// How long WeChat waits for a notify reply before counting it as failed.
pub const NOTIFY_TIMEOUT_SECS: u64 = 5;

/// A prepay_id is valid for 2 hours.
pub const PREPAY_ID_TTL_SECS: u64 = 2 * 3600;

/// An order may not be closed within 5 minutes of its creation.
pub const CLOSE_MIN_AGE_SECS: u64 = 5 * 60;

/// At most 50 partial refunds per order.
pub const MAX_REFUNDS_PER_ORDER: usize = 50;

/// Refunds are possible within one year of payment.
pub const REFUND_WINDOW_SECS: u64 = 365 * 86_400;

/// The shortest `time_expire` interval accepted by default, in seconds
/// ("建议：最短失效时间间隔大于1分钟"; older docs said 5 minutes).
pub const TIME_EXPIRE_MIN_SECS: u64 = 60;

/// A wx.login code is valid for 5 minutes and usable once.
pub const JSCODE_TTL_SECS: u64 = 5 * 60;

/// Beijing time is UTC+8 all year.
pub const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// Maximum `out_trade_no` length.
pub const OUT_TRADE_NO_MAX: usize = 32;
/// Minimum `out_trade_no` length on the current documentation pages.
pub const OUT_TRADE_NO_MIN: usize = 6;

/// The largest amount in fen (`total_fee`, `refund_fee`, …): 2^31 − 1 =
/// 2 147 483 647 fen (¥21 474 836.47).
///
/// Source: WeChat's v2 pages type every amount as `Int`, "单位为分"
/// (unifiedorder `total_fee`, refund `total_fee`/`refund_fee`:
/// pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_1 and chapter=9_4),
/// and v3 types `amount.total` as `int`; the SDKs merchants use carry
/// these fields as a 32-bit `Integer` (WxJava's `WxPayUnifiedOrderRequest`,
/// `WxPayOrderNotifyResult`), so a larger amount cannot come back through
/// them. Production's parser itself reads the field as a 64-bit signed
/// integer (its message for a non-integer, "此字段需要一个合法的 64 位有符号整数",
/// Javen205/IJPay#81, 2024), so the bound is not where parsing fails: it
/// is the strictest type on the documented path, chosen so that nothing
/// passes here that a WeChat client cannot represent (docs/protocol.md
/// §2.4). Per-merchant and per-card limits are far lower and not modelled.
pub const MAX_FEE: i64 = 2_147_483_647;

/// Whether `fen` is a valid amount: a positive integer no larger than
/// [`MAX_FEE`].
#[must_use]
pub const fn is_valid_fee(fen: i64) -> bool {
    fen >= 1 && fen <= MAX_FEE
}

/// The sum of amounts in fen (e.g. the refunds of one order so far):
/// `None` when a term is negative or the sum overflows `i64`, never a
/// wrapped value. Each term of a valid order is at most [`MAX_FEE`], so
/// a sum of valid amounts only fails for absurd inputs; callers treat
/// `None` as "over the limit".
#[must_use]
pub fn checked_fee_sum<I: IntoIterator<Item = i64>>(fees: I) -> Option<i64> {
    fees.into_iter()
        .try_fold(0i64, |acc, f| if f < 0 { None } else { acc.checked_add(f) })
}

/// Whether a refund of `refund_fee` fits what is left of `total_fee` after
/// `refunded` (the sum of earlier refunds), in checked arithmetic: `false`
/// for any negative input or overflow, where a plain `refunded + refund_fee
/// > total_fee` could wrap and say yes.
#[must_use]
pub fn refund_fits(total_fee: i64, refunded: i64, refund_fee: i64) -> bool {
    refund_fee >= 0
        && refunded >= 0
        && refunded
            .checked_add(refund_fee)
            .is_some_and(|sum| sum <= total_fee)
}

/// The sandbox accepts MD5 only.
pub const SANDBOX_SIGN_TYPE: SignType = SignType::Md5;

/// jscode2session error codes and messages (docs/protocol.md §2.12). Messages
/// carry `, rid: …` in real answers; the caller appends it.
pub mod jscode {
    /// System busy.
    pub const SYSTEM_BUSY: (i32, &str) = (-1, "system error");
    /// Unknown or expired code.
    pub const INVALID_CODE: (i32, &str) = (40029, "invalid code");
    /// Code already used (undocumented, observed).
    pub const CODE_USED: (i32, &str) = (40163, "code been used");
    /// Wrong AppSecret.
    pub const INVALID_SECRET: (i32, &str) = (40125, "invalid appsecret");
    /// Unknown appid.
    pub const INVALID_APPID: (i32, &str) = (40013, "invalid appid");
    /// High-risk user blocked.
    pub const BLOCKED: (i32, &str) = (40226, "code blocked");
    /// Rate limit.
    pub const RATE_LIMIT: (i32, &str) = (
        45011,
        "api minute-quota reach limit  mustslower  retry next minute",
    );
    /// Missing or wrong `grant_type`.
    pub const INVALID_GRANT_TYPE: (i32, &str) = (40002, "invalid grant_type");
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The range of Unix times the time helpers format: Beijing years 1 to 9999.
pub const TIME_RANGE: core::ops::RangeInclusive<i64> =
    -62_135_596_800 - BEIJING_OFFSET_SECS..=253_402_300_799 - BEIJING_OFFSET_SECS;

/// Beijing wall-clock parts of a Unix time: (year, month, day, h, m, s).
/// Times outside [`TIME_RANGE`] are clamped to it.
#[must_use]
pub fn beijing_parts(unix_secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = unix_secs.clamp(*TIME_RANGE.start(), *TIME_RANGE.end()) + BEIJING_OFFSET_SECS;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    (
        y,
        mo,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `yyyyMMddHHmmss` in Beijing time (time_start, time_expire, time_end).
#[must_use]
pub fn format_time14(unix_secs: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing_parts(unix_secs);
    alloc::format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time (refund `success_time`).
#[must_use]
pub fn format_datetime(unix_secs: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing_parts(unix_secs);
    alloc::format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `yyyyMMdd` in Beijing time (bill_date).
#[must_use]
pub fn format_date8(unix_secs: i64) -> String {
    let (y, mo, d, ..) = beijing_parts(unix_secs);
    alloc::format!("{y:04}{mo:02}{d:02}")
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses `yyyyMMddHHmmss` (Beijing time) into a Unix time; `None` unless
/// it is exactly 14 digits forming a real date and time.
#[must_use]
pub fn parse_time14(s: &str) -> Option<i64> {
    if s.len() != 14 || !s.is_ascii() {
        return None;
    }
    let y = i64::from(digits(&s[0..4])?);
    let mo = digits(&s[4..6])?;
    let d = digits(&s[6..8])?;
    let h = digits(&s[8..10])?;
    let mi = digits(&s[10..12])?;
    let se = digits(&s[12..14])?;
    if y == 0
        || !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || se > 59
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(days * 86_400 + i64::from(h * 3600 + mi * 60 + se) - BEIJING_OFFSET_SECS)
}

/// Parses `yyyyMMdd` into the Unix time of that day's Beijing midnight.
#[must_use]
pub fn parse_date8(s: &str) -> Option<i64> {
    if s.len() != 8 {
        return None;
    }
    let mut full = String::from(s);
    full.push_str("000000");
    parse_time14(&full)
}

/// `out_trade_no`: 6 to 32 characters of `[0-9A-Za-z_\-|*]`.
#[must_use]
pub fn is_valid_out_trade_no(s: &str) -> bool {
    (OUT_TRADE_NO_MIN..=OUT_TRADE_NO_MAX).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'|' | b'*'))
}

/// `out_refund_no`: 1 to 64 characters of `[0-9A-Za-z_\-|*@]`.
#[must_use]
pub fn is_valid_out_refund_no(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'|' | b'*' | b'@'))
}

/// A well-formed openid: 1 to 128 characters of `[0-9A-Za-z_-]` (real
/// ones are 28).
#[must_use]
pub fn is_well_formed_openid(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
}

/// `notify_url`: an absolute `http://` or `https://` URL with a host and no
/// query string (docs/protocol.md §2.4). `Err` says what is wrong.
///
/// # Errors
/// A description of the first rule the URL breaks.
pub fn check_notify_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must be an absolute http:// or https:// URL")?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_end == 0 {
        return Err("must name a host");
    }
    if url.contains('?') {
        return Err(
            "must not carry query parameters (WeChat drops them; put state in attach instead)",
        );
    }
    if url.contains('#') {
        return Err("must not carry a fragment");
    }
    if url
        .bytes()
        .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err("must not contain whitespace");
    }
    Ok(())
}

/// An IPv4 or IPv6 address (`spbill_create_ip`).
#[must_use]
pub fn is_ip(s: &str) -> bool {
    s.parse::<core::net::IpAddr>().is_ok()
}

/// Checks the envelope every signed request carries: `appid` (except on
/// getsignkey, which passes `needs_appid = false`), `mch_id`, `nonce_str`
/// and `sign` present, `sign_type` (when present) exactly `MD5` or
/// `HMAC-SHA256`. Returns the request's sign type (MD5 when absent).
///
/// # Errors
/// `return_code=FAIL` naming the missing field, or `签名类型不支持`.
pub fn check_envelope(p: &ParamMap, needs_appid: bool) -> Result<SignType, Failure> {
    let fields: &[&str] = if needs_appid {
        &["appid", "mch_id", "nonce_str", "sign"]
    } else {
        &["mch_id", "nonce_str", "sign"]
    };
    for f in fields {
        if p.get(*f).is_none_or(|v| v.is_empty()) {
            return Err(Failure::missing_envelope(f));
        }
    }
    if p.get("nonce_str").is_some_and(|n| n.chars().count() > 32) {
        return Err(Failure::format("nonce_str", "长度不能超过32个字符"));
    }
    match p.get("sign_type").map(String::as_str) {
        None | Some("") => Ok(SignType::Md5),
        Some(t) => t
            .parse()
            .map_err(|_| Failure::protocol(super::failure::MSG_SIGN_TYPE_UNSUPPORTED)),
    }
}

/// The err_code for an openid that was not minted for the order's appid
/// (`strict_openid`).
#[must_use]
pub fn openid_mismatch() -> Failure {
    Failure::business_des(ErrCode::ParamError, "appid和openid不匹配")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn time_roundtrip() {
        // 2014-09-03 13:15:40 Beijing = 05:15:40 UTC.
        let t = parse_time14("20140903131540").unwrap();
        assert_eq!(t, 1_409_721_340);
        assert_eq!(format_time14(t), "20140903131540");
        assert_eq!(format_datetime(t), "2014-09-03 13:15:40");
        assert_eq!(parse_time14("20230229000000"), None);
        assert_eq!(
            parse_time14("20240229235959").map(format_time14).as_deref(),
            Some("20240229235959")
        );
        assert_eq!(parse_time14("2024022923595"), None);
        assert_eq!(parse_time14("20241301000000"), None);
        assert_eq!(parse_time14("2024+101000000"), None);
        assert_eq!(parse_time14("00000101000000"), None, "there is no year 0");
        assert_eq!(
            parse_time14("00010101000000").map(format_time14).as_deref(),
            Some("00010101000000")
        );
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        assert_eq!(format_time14(i64::MAX), "99991231235959");
        assert_eq!(format_time14(i64::MIN), "00010101000000");
        assert_eq!(format_datetime(i64::MAX), "9999-12-31 23:59:59");
    }

    #[test]
    fn notify_urls() {
        assert!(check_notify_url("https://example.com/notify").is_ok());
        assert!(check_notify_url("http://127.0.0.1:8080/pay/notify").is_ok());
        assert!(check_notify_url("https://example.com/n?a=1").is_err());
        assert!(check_notify_url("/notify").is_err());
        assert!(check_notify_url("ftp://x/y").is_err());
        assert!(check_notify_url("https:///x").is_err());
    }

    #[test]
    fn schedule_totals_24h4m() {
        assert_eq!(
            NOTIFY_RETRY_SCHEDULE_SECS.iter().sum::<u64>(),
            24 * 3600 + 4 * 60
        );
    }
}
