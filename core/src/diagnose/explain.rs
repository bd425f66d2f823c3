//! Findings: the words (English, Chinese, the fix) for each replayed
//! mistake, and the findings of a hit.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::claim::{Claim, Form};
use super::doctor::{Doctor, list_names};
use super::finding::{Finding, FindingCode, SignKind};
use super::mistakes::*;
// ---------------------------------------------------------------------------
// Wording.

pub(super) struct Words {
    pub(super) code: FindingCode,
    pub(super) summary: String,
    pub(super) summary_zh: String,
    pub(super) fix: String,
}

pub(super) fn words(code: FindingCode, summary: String, summary_zh: String, fix: String) -> Words {
    Words {
        code,
        summary,
        summary_zh,
        fix,
    }
}

pub(super) const PAY_FIELDS_FIX: &str = "paySign covers exactly appId, nonceStr, package, signType and timeStamp (capital I in appId, capital S in timeStamp), sorted, plus &key=<API key>";

impl Doctor<'_> {
    pub(super) fn sign_field_name(&self) -> &'static str {
        match self.kind {
            SignKind::Api => "sign",
            SignKind::PaySign => "paySign",
        }
    }

    pub(super) fn sign_type_field(&self) -> &'static str {
        match self.kind {
            SignKind::Api => "sign_type",
            SignKind::PaySign => "signType",
        }
    }

    pub(super) fn explain_atom(&self, atom: Atom) -> Words {
        let pay = self.kind == SignKind::PaySign;
        match atom {
            Atom::IncludeSign => {
                let f = self.sign_field_name();
                words(
                    FindingCode::SignFieldIncluded,
                    format!("The `{f}` field itself was included in the signed string."),
                    format!("把 `{f}` 字段本身也拼进了待签名字符串。"),
                    format!(
                        "Leave out the field named `{f}` when signing or verifying{}.",
                        if pay {
                            " (a generic verify() over the whole wx.requestPayment object signs paySign too)"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Atom::IncludeEmpty => words(
                FindingCode::EmptyValuesIncluded,
                String::from("Parameters with empty values were included as `name=`."),
                String::from("值为空的参数也参与了签名（拼成了 `name=`）。"),
                String::from("Skip every parameter whose value is the empty string."),
            ),
            Atom::DropSignType => {
                let f = self.sign_type_field();
                words(
                    FindingCode::SignTypeExcluded,
                    format!("The `{f}` field was left out of the signed string."),
                    format!("`{f}` 字段没有参与签名。"),
                    format!("`{f}` is a parameter like any other: when it is sent, it is signed."),
                )
            }
            Atom::ExtraFields => {
                let extra: Vec<&str> = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == EntryKind::Extra && !e.value.is_empty())
                    .map(|e| e.name)
                    .collect();
                let l = list_names(&extra);
                words(
                    FindingCode::ExtraFieldsIncluded,
                    format!("Fields outside paySign's five were signed: {l}."),
                    format!("paySign 签名时多拼了字段：{l}。"),
                    format!("{PAY_FIELDS_FIX}."),
                )
            }
            Atom::Omit(i) => {
                let n = self.entries.get(i).map_or("", |e| e.name);
                let (s, fix) = if pay && n == "appId" {
                    (
                        String::from(
                            "`appId` was left out of the paySign string (it is not passed to wx.requestPayment, but it is signed).",
                        ),
                        format!("{PAY_FIELDS_FIX}."),
                    )
                } else {
                    (
                        format!(
                            "The field `{n}` was left out of the signed string (a model or whitelist that drops fields it does not know?)."
                        ),
                        String::from(
                            "Sign every non-empty parameter that is sent or received, including fields your model does not know: WeChat adds fields and the signature covers them.",
                        ),
                    )
                };
                words(
                    FindingCode::FieldOmitted,
                    s,
                    format!("字段 `{n}` 没有参与签名（模型丢弃了未知字段？）。"),
                    fix,
                )
            }
            Atom::Trim => {
                let l = self.changed_fields(atom);
                words(
                    FindingCode::ValuesTrimmed,
                    format!(
                        "Values were trimmed before signing (as the official Java SDK does), but {l} carries leading or trailing whitespace as sent."
                    ),
                    format!(
                        "签名前对值做了 trim（官方 Java SDK 的做法），而实际发送的 {l} 带有首尾空白。"
                    ),
                    String::from(
                        "Sign values exactly as sent; better, trim them before sending so both sides sign the same text.",
                    ),
                )
            }
            Atom::Url(f) => {
                let l = self.changed_fields(atom);
                words(
                    FindingCode::ValuesUrlEncoded,
                    format!(
                        "Values were URL-encoded ({}) before signing: {l}.",
                        f.like()
                    ),
                    format!("签名前对值做了 URL 编码（{}）：{l}。", f.like()),
                    String::from(
                        "Sign the raw values: WeChat's string to sign is never URL-encoded.",
                    ),
                )
            }
            Atom::XmlMin | Atom::XmlFull => {
                let l = self.changed_fields(atom);
                words(
                    FindingCode::XmlEscapedValues,
                    format!("Values were XML-escaped (&amp;, &lt;, …) before signing: {l}."),
                    format!("签名前对值做了 XML 转义（&amp;、&lt; 等）：{l}。"),
                    String::from(
                        "Sign the raw, unescaped values; escaping (or CDATA) belongs to the XML encoder only.",
                    ),
                )
            }
            Atom::CdataWrap => words(
                FindingCode::CdataInValue,
                String::from("Values were signed wrapped in <![CDATA[…]]>."),
                String::from("签名时值带上了 <![CDATA[…]]> 包装。"),
                String::from(
                    "CDATA is XML syntax, not part of the value: sign the text inside it.",
                ),
            ),
            Atom::CdataUnwrap => {
                let l = self.changed_fields(atom);
                words(
                    FindingCode::CdataInValue,
                    format!(
                        "{l} literally contains a <![CDATA[…]]> wrapper, which was stripped before signing: the XML was built or parsed twice."
                    ),
                    format!(
                        "{l} 的值里含有字面的 <![CDATA[…]]>，签名时却去掉了：XML 被重复包装或解析。"
                    ),
                    String::from(
                        "A value must not contain a literal CDATA wrapper: fix the XML building or parsing so the value is the text only.",
                    ),
                )
            }
            Atom::Sort(SortFlavor::Given) => words(
                FindingCode::NotSorted,
                String::from("Parameters were joined in the order given, not sorted by name."),
                String::from("参数没有按参数名排序，而是按原有顺序拼接。"),
                String::from("Sort the parameters by name in ASCII (byte) order before joining."),
            ),
            Atom::Sort(s) => {
                let how = if s == SortFlavor::Locale {
                    "by locale (localeCompare / Intl.Collator / Collator)"
                } else {
                    "case-insensitively (CASE_INSENSITIVE_ORDER / strcasecmp / str.lower)"
                };
                words(
                    FindingCode::LocaleSort,
                    format!("Parameter names were sorted {how} instead of by bytes."),
                    String::from("参数名按本地化规则或忽略大小写排序，而不是按 ASCII 字节序。"),
                    String::from(
                        "Sort names by their bytes (ASCII: digits < uppercase < `_` < lowercase): a plain sort() in JS, a TreeMap without a Collator in Java, ksort with SORT_STRING in PHP.",
                    ),
                )
            }
            Atom::Rename(i, alt) => {
                let n = self.entries.get(i).map_or("", |e| e.name);
                words(
                    FindingCode::KeyCase,
                    format!(
                        "The field was signed as `{alt}` where {} `{n}` (names are case-sensitive).",
                        if pay {
                            "paySign signs"
                        } else {
                            "WeChat receives"
                        }
                    ),
                    format!("字段名签成了 `{alt}`，正确的是 `{n}`（参数名区分大小写）。"),
                    if pay {
                        format!("{PAY_FIELDS_FIX}.")
                    } else {
                        format!("Sign the field names exactly as they are sent (`{n}`).")
                    },
                )
            }
            Atom::RenameAll(c) => {
                let (how, how_zh) = match c {
                    Case::Lower => ("all lowercase", "全小写"),
                    Case::Snake => ("snake_case", "下划线风格"),
                    Case::Camel => ("camelCase", "驼峰风格"),
                };
                let changed: Vec<&str> = self
                    .entries
                    .iter()
                    .filter(|e| e.kind == EntryKind::Signed && recase(e.name, c).as_ref() != e.name)
                    .map(|e| e.name)
                    .collect();
                let l = list_names(&changed);
                words(
                    FindingCode::KeyCase,
                    format!(
                        "Field names were signed in {how} ({l} renamed); names are case-sensitive."
                    ),
                    format!("参数名被改成了{how_zh}（{l}）；参数名区分大小写。"),
                    if pay {
                        format!("{PAY_FIELDS_FIX}.")
                    } else {
                        String::from(
                            "Sign the field names exactly as sent: don't sign a camelCase/serialised copy of the request.",
                        )
                    },
                )
            }
            Atom::PackageBare => words(
                FindingCode::PackagePrefixMissing,
                String::from("`package` was signed as the bare prepay_id, without `prepay_id=`."),
                String::from("`package` 签名时只用了 prepay_id 本身，缺少 `prepay_id=` 前缀。"),
                String::from(
                    "Sign package=prepay_id=<prepay_id>: the same string that is passed to wx.requestPayment.",
                ),
            ),
            Atom::KeyInMap => words(
                FindingCode::KeySortedAsParam,
                String::from(
                    "The key was added to the parameter map and sorted with the fields, instead of appended at the end.",
                ),
                String::from("把 key 放进参数表一起排序了，而不是拼在最后。"),
                String::from(
                    "Sort and join the parameters first, then append &key=<API key> at the very end.",
                ),
            ),
        }
    }

    pub(super) fn explain_key(&self, kc: &KeyCand) -> Option<Words> {
        let given = self.keys.first().map_or(0, |k| k.text.len());
        Some(match kc.kind {
            KeyKind::Given => return None,
            KeyKind::AppSecret => words(
                FindingCode::AppSecretAsKey,
                String::from(
                    "Signed with the AppSecret (the mini program's secret) instead of the merchant API key.",
                ),
                String::from("用小程序的 AppSecret 当成了商户 API 密钥来签名。"),
                String::from(
                    "Use the APIv2 key set in the merchant platform (pay.weixin.qq.com → 账户中心 → API安全), not the AppSecret.",
                ),
            ),
            KeyKind::Appended(_) | KeyKind::Quoted | KeyKind::Trimmed => {
                let what = match kc.kind {
                    KeyKind::Appended("\n") => "a trailing newline",
                    KeyKind::Appended("\r\n") => "a trailing CRLF",
                    KeyKind::Appended(_) => "a trailing space",
                    KeyKind::Quoted => "surrounding quotes",
                    _ => "the whitespace of the given key trimmed off",
                };
                words(
                    FindingCode::KeyNot32Bytes,
                    format!(
                        "The key used was {} bytes, not {given}: it had {what} (typical of a key read from a file or an environment variable).",
                        kc.text.len()
                    ),
                    format!(
                        "签名用的密钥长度是 {} 字节而不是 {given}：{what}（从文件或环境变量读取时常见）。",
                        kc.text.len()
                    ),
                    String::from(
                        "Use the exact 32-byte APIv2 key: strip newlines, spaces and quotes when loading it.",
                    ),
                )
            }
            KeyKind::Upper | KeyKind::Lower => {
                let how = if kc.kind == KeyKind::Upper {
                    "upper"
                } else {
                    "lower"
                };
                words(
                    FindingCode::ApiKeyCase,
                    format!("The key was used {how}cased; the API key is case-sensitive."),
                    String::from("密钥被转换了大小写；API 密钥区分大小写。"),
                    String::from("Use the key exactly as set in the merchant platform."),
                )
            }
        })
    }

    pub(super) fn explain_suffix(s: Suffix) -> Option<Words> {
        Some(match s {
            Suffix::Correct => return None,
            Suffix::Missing => words(
                FindingCode::KeySuffixMissing,
                String::from(
                    "No `&key=<API key>` was appended: the string ends after the last parameter.",
                ),
                String::from("没有在末尾拼接 `&key=<API密钥>`。"),
                String::from(
                    "Append `&key=` and the API key to the sorted string before hashing (for HMAC-SHA256 too).",
                ),
            ),
            Suffix::Raw | Suffix::NoAmp | Suffix::AmpOnly => {
                let how = match s {
                    Suffix::Raw => "the key directly, without `&key=`",
                    Suffix::NoAmp => "`key=<key>` without the `&`",
                    _ => "`&<key>` without `key=`",
                };
                words(
                    FindingCode::KeySuffixMalformed,
                    format!("The key was appended as {how}."),
                    String::from("密钥拼接格式不对，应为 `&key=<API密钥>`。"),
                    String::from("Append exactly `&key=` followed by the API key."),
                )
            }
        })
    }

    pub(super) fn explain_hit(&self, hit: &Hit, claim: &Claim) -> Vec<Finding> {
        let mut w: Vec<Words> = Vec::new();
        if hit.algo.sign_type() != self.sign_type {
            let used = hit.algo.name();
            let want = self.sign_type.as_str();
            w.push(words(
                FindingCode::WrongSignType,
                format!("The sign was computed with {used}, but WeChat checks it with {want}."),
                format!("签名用的是 {used}，但微信按 {want} 校验。"),
                format!(
                    "Sign with {want}: the algorithm must match `{}` (absent means MD5){}.",
                    self.sign_type_field(),
                    if self.kind == SignKind::PaySign {
                        ", and paySign must use the same type as the unifiedorder call"
                    } else {
                        "; HMAC-SHA256 notifies carry no sign_type, so verify by the sign's length (64 = HMAC-SHA256)"
                    }
                ),
            ));
        }
        if hit.algo == Algo::Sha256 {
            w.push(words(
                FindingCode::Sha256NotHmac,
                String::from(
                    "The sign is a plain SHA-256 hash of the string, not an HMAC-SHA256 keyed with the API key.",
                ),
                String::from("用了普通 SHA-256 摘要，而不是以 API 密钥为密钥的 HMAC-SHA256。"),
                String::from(
                    "HMAC-SHA256 is hash_hmac('sha256', stringSignTemp, key): keyed with the API key, over the string that ends in &key=<key>.",
                ),
            ));
        }
        for a in &hit.atoms {
            w.push(self.explain_atom(*a));
        }
        let kc = self.keys.get(hit.key);
        if let Some(x) = kc.and_then(|k| self.explain_key(k)) {
            w.push(x);
        }
        if !hit.atoms.contains(&Atom::KeyInMap)
            && let Some(x) = Self::explain_suffix(hit.suffix)
        {
            w.push(x);
        }
        match claim.form {
            Form::UpperHex => {}
            Form::LowerHex | Form::MixedHex => w.push(words(
                FindingCode::LowercaseHex,
                String::from(if claim.form == Form::LowerHex {
                    "The digest is right but written in lowercase hex."
                } else {
                    "The digest is right but its hex is not all uppercase."
                }),
                String::from("摘要正确，但十六进制用了小写。"),
                String::from(
                    "Uppercase the hex digest (PHP strtoupper, Java toUpperCase, JS toUpperCase): WeChat compares signs case-sensitively.",
                ),
            )),
            Form::Base64 => w.push(words(
                FindingCode::Base64Sign,
                String::from("The digest is right but base64-encoded instead of hex."),
                String::from("摘要正确，但用了 base64 编码而不是十六进制。"),
                String::from(
                    "Encode the digest as uppercase hex: 32 characters for MD5, 64 for HMAC-SHA256.",
                ),
            )),
        }
        if claim.whitespace {
            w.push(words(
                FindingCode::SignHasWhitespace,
                String::from(
                    "The sign carries leading or trailing whitespace (a newline or space).",
                ),
                String::from("签名值首尾带有空白字符（换行或空格）。"),
                String::from("Send the sign without surrounding whitespace."),
            ));
        }

        let signed = kc.map(|kc| {
            let mut s = self.build(&hit.atoms, &kc.shown);
            if !hit.atoms.contains(&Atom::KeyInMap) {
                let mut sfx = Vec::new();
                hit.suffix.write(&mut sfx, s.is_empty(), &kc.shown);
                s.extend_from_slice(&sfx);
            }
            String::from_utf8_lossy(&s).into_owned()
        });
        let codes: Vec<FindingCode> = w.iter().map(|x| x.code).collect();
        w.into_iter()
            .map(|x| Finding {
                code: x.code,
                confirmed: true,
                summary: x.summary,
                summary_zh: x.summary_zh,
                signed_string: signed.clone(),
                fix: x.fix,
                related: codes.iter().copied().filter(|c| *c != x.code).collect(),
            })
            .collect()
    }
}

pub(super) fn advisory(
    code: FindingCode,
    summary: String,
    summary_zh: String,
    fix: String,
) -> Finding {
    Finding {
        code,
        confirmed: false,
        summary,
        summary_zh,
        signed_string: None,
        fix,
        related: Vec::new(),
    }
}
