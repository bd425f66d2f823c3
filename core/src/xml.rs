//! WeChat's XML: a root element (`<xml>`, or `<root>` inside a refund
//! `req_info`) with flat scalar children.
//!
//! This is a purpose-built `no_std` codec rather than a general XML parser.
//! The grammar WeChat uses is tiny, and a general parser's features are the
//! attack surface: there is no DTD support to switch off because there is no
//! DTD support at all. Anything outside the grammar is refused with a
//! specific [`XmlErrorKind`] and a byte offset:
//!
//! - accepted: an optional BOM and `<?xml …?>` declaration, comments and
//!   whitespace between elements, and element content made of any mix of
//!   plain text, CDATA sections, the five predefined entities and numeric
//!   character references;
//! - refused: `<!DOCTYPE`/any DTD markup, every other entity (`&xxe;`, the
//!   billion laughs), processing instructions, attributes, elements nested
//!   below the children, duplicate fields, an unexpected root, invalid
//!   UTF-8, text between the children, and input over a size limit
//!   (default 1 MiB);
//! - refused as well: a character outside XML 1.0's `Char` production
//!   (W3C XML 1.0, 5th ed., §2.2: `#x9 | #xA | #xD | [#x20-#xD7FF] |
//!   [#xE000-#xFFFD] | [#x10000-#x10FFFF]`), raw ([`XmlErrorKind::InvalidChar`]:
//!   NUL and the other C0 controls but TAB/LF/CR, U+FFFE, U+FFFF; a surrogate
//!   cannot be valid UTF-8 and is already [`XmlErrorKind::NotUtf8`]) or as a
//!   character reference (`&#0;`, `&#1;`, `&#xFFFF;`, `&#xD800;`:
//!   [`XmlErrorKind::InvalidCharRef`]). WeChat's parser refuses such a body
//!   (`XML格式错误`), and so does every conforming parser a merchant's SDK
//!   uses: a value holding one could be stored but never read back;
//! - line ends are normalised as XML 1.0 §2.11 requires of every parser: CR
//!   LF and a lone CR in element content (CDATA included) read as LF, so a
//!   value is signed as the merchant's parser will see it. A CR written as
//!   the reference `&#13;` stays a CR, as the spec says.
//!
//! The encoder never writes a character outside `Char` (it refuses the
//! value with [`XmlErrorKind::InvalidChar`] and the field), and writes a CR
//! as `&#13;` between CDATA sections so that it survives the reader's
//! line-end normalisation.
//!
//! Decoding borrows from the input: a field whose content is one CDATA
//! section or one run of plain text costs no allocation.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::{ParamMap, Params};

/// The default size limit for decoding: 1 MiB.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// The input is larger than the limit (in bytes).
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The input is not valid UTF-8 (the offset is the first bad byte).
    NotUtf8,
    /// The input is empty or only whitespace.
    Empty,
    /// A `<!DOCTYPE …>` or other DTD markup (`<!ENTITY`, `<!ELEMENT`, …):
    /// the XXE and billion-laughs vector. Never accepted.
    Doctype,
    /// An entity reference other than the five predefined ones
    /// (`&lt; &gt; &amp; &apos; &quot;`) and numeric references.
    UndefinedEntity {
        /// The entity's name, e.g. `xxe`.
        name: String,
    },
    /// A numeric character reference that is not an XML 1.0 `Char` (NUL,
    /// another C0 control but TAB/LF/CR, a surrogate, U+FFFE, U+FFFF, or
    /// beyond U+10FFFF).
    InvalidCharRef,
    /// A raw character that XML 1.0 forbids (see [`is_xml_char`]): on
    /// decode, found in the document; on encode, found in a value.
    InvalidChar {
        /// The character's code point.
        ch: u32,
    },
    /// A processing instruction other than a leading `<?xml …?>`.
    ProcessingInstruction,
    /// An attribute on an element; WeChat's XML has none.
    Attribute,
    /// The root element is not one of the accepted roots.
    UnexpectedRoot {
        /// The root that was found.
        found: String,
    },
    /// An element inside a child element: WeChat's fields are flat.
    Nested,
    /// The same field appears twice.
    Duplicate,
    /// A closing tag does not match the open element.
    MismatchedTag,
    /// Non-whitespace text between fields, or content after the root.
    UnexpectedText,
    /// The input ended inside the document.
    UnexpectedEof,
    /// Some other syntax error, described.
    Syntax(&'static str),
    /// An element name that is not `[A-Za-z_][A-Za-z0-9_.-]*` (encode and
    /// decode apply the same rule).
    InvalidName,
}

/// A rejected XML document: the kind, the byte offset where it was noticed,
/// and the field concerned when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// What went wrong.
    pub kind: XmlErrorKind,
    /// Byte offset into the input.
    pub offset: usize,
    /// The field (element name) concerned, if any.
    pub field: Option<String>,
}

impl XmlError {
    fn new(kind: XmlErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            field: None,
        }
    }

    fn with_field(mut self, field: &str) -> Self {
        self.field = Some(String::from(field));
        self
    }

    /// A stable machine-readable code, e.g. `ERR_XML_DOCTYPE`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self.kind {
            XmlErrorKind::TooLarge { .. } => "ERR_XML_TOO_LARGE",
            XmlErrorKind::NotUtf8 => "ERR_XML_NOT_UTF8",
            XmlErrorKind::Empty => "ERR_XML_EMPTY",
            XmlErrorKind::Doctype => "ERR_XML_DOCTYPE",
            XmlErrorKind::UndefinedEntity { .. } => "ERR_XML_ENTITY",
            XmlErrorKind::InvalidCharRef => "ERR_XML_CHAR_REF",
            XmlErrorKind::InvalidChar { .. } => "ERR_XML_CHAR",
            XmlErrorKind::ProcessingInstruction => "ERR_XML_PI",
            XmlErrorKind::Attribute => "ERR_XML_ATTRIBUTE",
            XmlErrorKind::UnexpectedRoot { .. } => "ERR_XML_ROOT",
            XmlErrorKind::Nested => "ERR_XML_NESTED",
            XmlErrorKind::Duplicate => "ERR_XML_DUPLICATE",
            XmlErrorKind::MismatchedTag => "ERR_XML_MISMATCHED_TAG",
            XmlErrorKind::UnexpectedText => "ERR_XML_TEXT",
            XmlErrorKind::UnexpectedEof => "ERR_XML_EOF",
            XmlErrorKind::Syntax(_) => "ERR_XML_SYNTAX",
            XmlErrorKind::InvalidName => "ERR_XML_NAME",
        }
    }
}

impl fmt::Display for XmlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "input is larger than the {limit}-byte limit"),
            Self::NotUtf8 => f.write_str("input is not valid UTF-8"),
            Self::Empty => f.write_str("input is empty"),
            Self::Doctype => f.write_str("DOCTYPE/DTD declarations are refused (XXE protection)"),
            Self::UndefinedEntity { name } => write!(
                f,
                "entity &{name}; is refused: only &lt; &gt; &amp; &apos; &quot; and numeric references are allowed"
            ),
            Self::InvalidCharRef => f.write_str(
                "numeric character reference is not a character XML 1.0 allows (no NUL, no control character but TAB/LF/CR, no surrogate, U+FFFE or U+FFFF)",
            ),
            Self::InvalidChar { ch } => write!(
                f,
                "character U+{ch:04X} is not allowed in XML 1.0 (only TAB, LF and CR among the control characters; never U+FFFE or U+FFFF)"
            ),
            Self::ProcessingInstruction => f.write_str("processing instructions are refused"),
            Self::Attribute => f.write_str("attributes are refused: WeChat's XML has none"),
            Self::UnexpectedRoot { found } => {
                write!(f, "unexpected root element <{found}>: expected <xml>")
            }
            Self::Nested => f.write_str("nested element: WeChat's fields are flat"),
            Self::Duplicate => f.write_str("duplicate field"),
            Self::MismatchedTag => f.write_str("closing tag does not match"),
            Self::UnexpectedText => f.write_str("unexpected text outside a field"),
            Self::UnexpectedEof => f.write_str("unexpected end of input"),
            Self::Syntax(what) => f.write_str(what),
            Self::InvalidName => {
                f.write_str("invalid element name: expected [A-Za-z_][A-Za-z0-9_.-]*")
            }
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(field) = &self.field {
            write!(f, " (field {field})")?;
        }
        Ok(())
    }
}

impl core::error::Error for XmlError {}

/// Decoding options.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions<'r> {
    /// Maximum input size in bytes (default [`DEFAULT_MAX_BYTES`]).
    pub max_bytes: usize,
    /// Accepted root element names (default `["xml"]`).
    pub roots: &'r [&'r str],
}

impl Default for DecodeOptions<'_> {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            roots: &["xml"],
        }
    }
}

/// A decoded document: the root's name and its fields in document order,
/// borrowing from the input where it can.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlMap<'a> {
    root: &'a str,
    fields: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> XmlMap<'a> {
    /// The root element's name (`xml` or `root`).
    #[must_use]
    pub fn root(&self) -> &str {
        self.root
    }

    /// The value of a field.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The fields in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (*k, v.as_ref()))
    }

    /// Number of fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Copies the fields into an owned, sorted [`ParamMap`].
    #[must_use]
    pub fn to_param_map(&self) -> ParamMap {
        self.iter()
            .map(|(k, v)| (String::from(k), String::from(v)))
            .collect()
    }
}

impl Params for XmlMap<'_> {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter()
    }
    fn get_param(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

/// Decodes a WeChat XML body whose root is `<xml>`, with the default limit.
///
/// ```
/// let m = wxpay_core::xml::decode(b"<xml><a><![CDATA[x & y]]></a><b>1</b><c>&lt;&#20013;&gt;</c></xml>").unwrap();
/// assert_eq!(m.get("a"), Some("x & y"));
/// assert_eq!(m.get("b"), Some("1"));
/// assert_eq!(m.get("c"), Some("<中>"));
/// ```
///
/// # Errors
/// An [`XmlError`] naming the kind, offset and field, for anything outside
/// WeChat's grammar (see the module docs).
pub fn decode(input: &[u8]) -> Result<XmlMap<'_>, XmlError> {
    decode_with(input, &DecodeOptions::default())
}

/// Decodes with explicit options (size limit, accepted roots).
///
/// # Errors
/// As [`decode`].
pub fn decode_with<'a>(input: &'a [u8], opts: &DecodeOptions<'_>) -> Result<XmlMap<'a>, XmlError> {
    if input.len() > opts.max_bytes {
        return Err(XmlError::new(
            XmlErrorKind::TooLarge {
                limit: opts.max_bytes,
            },
            opts.max_bytes,
        ));
    }
    let text = core::str::from_utf8(input)
        .map_err(|e| XmlError::new(XmlErrorKind::NotUtf8, e.valid_up_to()))?;
    let scan = scan_chars(input);
    let p = Parser {
        s: text,
        b: input,
        pos: 0,
        bad: scan.bad,
        has_cr: scan.has_cr,
    };
    let r = p.document(opts.roots);
    // A conforming parser reports the first error in document order: a
    // forbidden character before the error the parser met (or with none).
    match (r, scan.bad) {
        (r, None) => r,
        (Err(e), Some(at))
            if e.offset < at || matches!(e.kind, XmlErrorKind::InvalidChar { .. }) =>
        {
            Err(e)
        }
        (_, Some(at)) => Err(XmlError::new(
            XmlErrorKind::InvalidChar {
                ch: char_at(text, at),
            },
            at,
        )),
    }
}

/// Whether `c` matches XML 1.0's `Char` production (W3C XML 1.0, 5th ed.,
/// §2.2): `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
/// [#x10000-#x10FFFF]`. A Rust `char` is never a surrogate, so this refuses
/// exactly NUL, the other C0 controls but TAB/LF/CR, U+FFFE and U+FFFF.
#[must_use]
pub const fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The code point of the character starting at byte `at` of `s`.
fn char_at(s: &str, at: usize) -> u32 {
    s.get(at..)
        .and_then(|r| r.chars().next())
        .map_or(0, u32::from)
}

/// What one pass over the bytes found.
struct Scan {
    /// Offset of the first character outside XML 1.0's `Char`.
    bad: Option<usize>,
    /// Whether any CR occurs (line ends then need normalising).
    has_cr: bool,
}

/// Finds the first forbidden character (a C0 control other than TAB, LF,
/// CR; U+FFFE = EF BF BE; U+FFFF = EF BF BF) and whether a CR occurs, eight
/// bytes at a time: a word with no byte below 0x20 and no 0xEF is skipped
/// whole. `b` is valid UTF-8.
fn scan_chars(b: &[u8]) -> Scan {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut has_cr = false;
    let mut i = 0;
    while i < b.len() {
        if i + 8 <= b.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            let w = u64::from_le_bytes(w);
            // High bit set in a byte below 0x20 (exact for "any"), or equal
            // to 0xEF; false positives only cost a byte-wise look.
            let low = w.wrapping_sub(LO * 0x20) & !w & HI;
            let x = w ^ (LO * 0xEF);
            let ef = x.wrapping_sub(LO) & !x & HI;
            if low | ef == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(b.len());
        while i < end {
            match b[i] {
                b'\r' => has_cr = true,
                b'\t' | b'\n' => {}
                c if c < 0x20 => {
                    return Scan {
                        bad: Some(i),
                        has_cr,
                    };
                }
                0xEF if b.get(i + 1) == Some(&0xBF)
                    && matches!(b.get(i + 2), Some(0xBE | 0xBF)) =>
                {
                    return Scan {
                        bad: Some(i),
                        has_cr,
                    };
                }
                _ => {}
            }
            i += 1;
        }
    }
    Scan { bad: None, has_cr }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    /// The first forbidden character's offset (see [`scan_chars`]).
    bad: Option<usize>,
    /// Whether the input holds a CR at all (most do not).
    has_cr: bool,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// `[A-Za-z0-9_.-]` as a table: one load per byte of a name.
const NAME_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
        c += 1;
    }
    t
};

fn is_name_char(c: u8) -> bool {
    NAME_CHAR[usize::from(c)]
}

/// Fields checked for duplicates as they are read; a document with more is
/// checked once at the end, in O(n log n).
const LINEAR_DUP_CHECK: usize = 64;

/// A 6-bit summary of a name (length, first and last byte): two names with
/// different summaries differ, so most fields need no comparison at all.
fn name_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let first = b.first().copied().unwrap_or(0);
    let last = b.last().copied().unwrap_or(0);
    let h = (b.len() as u32)
        .wrapping_mul(0x9E37)
        .wrapping_add(u32::from(first).wrapping_mul(31))
        .wrapping_add(u32::from(last).wrapping_mul(7));
    1u64 << ((h ^ (h >> 6)) & 63)
}

/// The first byte in `hay` equal to `x` or `y`, eight bytes at a time
/// (a `memchr2` in safe code).
fn find_either(hay: &[u8], x: u8, y: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    /// Sets the high bit of each zero byte of `w`. Bytes above a zero byte
    /// may be flagged falsely (a borrow), never bytes below it.
    fn zero_bytes(w: u64) -> u64 {
        w.wrapping_sub(LO) & !w & HI
    }
    let (xs, ys) = (LO * u64::from(x), LO * u64::from(y));
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let hits = zero_bytes(w ^ xs) | zero_bytes(w ^ ys);
        if hits != 0 {
            // The lowest flagged byte is a true match.
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == x || c == y)
        .map(|p| at + p)
}

/// The first byte in `hay` that is `<` or `&`: where plain text ends.
fn find_markup(hay: &[u8]) -> Option<usize> {
    find_either(hay, b'<', b'&')
}

/// Whether `name` is a name the codec reads and writes.
#[must_use]
pub fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty() && is_name_start(b[0]) && b[1..].iter().all(|&c| is_name_char(c))
}

/// The first occurrence of `needle` (`-->`, `?>`, `]]>`) in `hay`: scans
/// for its last byte, `>`, which runs of `-` or `]` do not contain, and
/// checks the bytes before it. Linear in `hay` for any input.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&last, init) = needle.split_last()?;
    let mut from = init.len();
    while let Some(p) = hay
        .get(from..)
        .and_then(|rest| find_either(rest, last, last))
    {
        let end = from + p;
        let start = end - init.len();
        if hay[start..end].iter().eq(init) {
            return Some(start);
        }
        from = end + 1;
    }
    None
}

impl<'a> Parser<'a> {
    fn err(&self, kind: XmlErrorKind) -> XmlError {
        XmlError::new(kind, self.pos)
    }

    /// Refuses content `[from, to)` of field `name` when it holds the first
    /// forbidden character, so the error names the field.
    fn check_chars(&self, from: usize, to: usize, name: &str) -> Result<(), XmlError> {
        match self.bad {
            Some(at) if (from..to).contains(&at) => Err(XmlError::new(
                XmlErrorKind::InvalidChar {
                    ch: char_at(self.s, at),
                },
                at,
            )
            .with_field(name)),
            _ => Ok(()),
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.b[self.pos..]
    }

    fn starts_with(&self, p: &[u8]) -> bool {
        self.rest().starts_with(p)
    }

    fn skip_ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Skips whitespace and comments between elements; refuses DTD markup
    /// and processing instructions.
    fn skip_misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_ws();
            if self.starts_with(b"<!--") {
                self.skip_comment()?;
            } else if self.starts_with(b"<![CDATA[") {
                // Character data outside a field, like plain text there.
                return Err(self.err(XmlErrorKind::UnexpectedText));
            } else if self.starts_with(b"<!") {
                return Err(self.markup_decl_error());
            } else if self.starts_with(b"<?") {
                return Err(self.err(XmlErrorKind::ProcessingInstruction));
            } else {
                return Ok(());
            }
        }
    }

    fn markup_decl_error(&self) -> XmlError {
        // `<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, `<!ATTLIST`, `<![INCLUDE[`…:
        // all DTD machinery, all refused the same way.
        self.err(XmlErrorKind::Doctype)
    }

    fn skip_comment(&mut self) -> Result<(), XmlError> {
        let body = &self.b[self.pos + 4..];
        match find(body, b"-->") {
            Some(end) => {
                self.pos += 4 + end + 3;
                Ok(())
            }
            None => Err(self.err(XmlErrorKind::UnexpectedEof)),
        }
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let start = self.pos;
        match self.b.get(self.pos) {
            Some(&c) if is_name_start(c) => self.pos += 1,
            Some(_) => return Err(self.err(XmlErrorKind::InvalidName)),
            None => return Err(self.err(XmlErrorKind::UnexpectedEof)),
        }
        let len = self.b[self.pos..]
            .iter()
            .position(|&c| !is_name_char(c))
            .unwrap_or(self.b.len() - self.pos);
        self.pos += len;
        Ok(&self.s[start..self.pos])
    }

    /// After a name inside `<…`: `>` (open) or `/>` (empty). Refuses
    /// attributes. Returns whether the element was self-closing.
    fn tag_end(&mut self) -> Result<bool, XmlError> {
        self.skip_ws();
        match self.b.get(self.pos) {
            Some(b'>') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b'/') if self.b.get(self.pos + 1) == Some(&b'>') => {
                self.pos += 2;
                Ok(true)
            }
            Some(&c) if is_name_start(c) => Err(self.err(XmlErrorKind::Attribute)),
            Some(_) => Err(self.err(XmlErrorKind::Syntax("expected '>' to end the tag"))),
            None => Err(self.err(XmlErrorKind::UnexpectedEof)),
        }
    }

    fn close_tag(&mut self, name: &str) -> Result<(), XmlError> {
        // At `</`. The usual case, `</name>`, needs no scan of the name.
        let end = self.pos + 2 + name.len();
        if self.b.get(self.pos + 2..end) == Some(name.as_bytes()) && self.b.get(end) == Some(&b'>')
        {
            self.pos = end + 1;
            return Ok(());
        }
        self.pos += 2;
        let at = self.pos;
        let got = self.name()?;
        self.skip_ws();
        if got != name {
            return Err(XmlError::new(XmlErrorKind::MismatchedTag, at).with_field(name));
        }
        match self.b.get(self.pos) {
            Some(b'>') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.err(XmlErrorKind::Syntax("expected '>' to end the closing tag"))),
            None => Err(self.err(XmlErrorKind::UnexpectedEof)),
        }
    }

    fn document(mut self, roots: &[&str]) -> Result<XmlMap<'a>, XmlError> {
        if self.starts_with("\u{feff}".as_bytes()) {
            self.pos += 3;
        }
        self.skip_ws();
        if self.pos == self.b.len() {
            return Err(self.err(XmlErrorKind::Empty));
        }
        if self.starts_with(b"<?xml")
            && matches!(
                self.b.get(self.pos + 5),
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'?')
            )
        {
            match find(&self.b[self.pos..], b"?>") {
                Some(end) => self.pos += end + 2,
                None => return Err(self.err(XmlErrorKind::UnexpectedEof)),
            }
        }
        self.skip_misc()?;
        if !self.starts_with(b"<") {
            return Err(if self.pos == self.b.len() {
                self.err(XmlErrorKind::Empty)
            } else {
                self.err(XmlErrorKind::UnexpectedText)
            });
        }
        self.pos += 1;
        let root_at = self.pos;
        let root = self.name()?;
        if !roots.contains(&root) {
            return Err(XmlError::new(
                XmlErrorKind::UnexpectedRoot {
                    found: String::from(root),
                },
                root_at,
            ));
        }
        let mut map = XmlMap {
            root,
            fields: Vec::with_capacity(24),
        };
        // Summaries of the names read so far (see `name_bit`).
        let mut seen = 0u64;
        if !self.tag_end()? {
            loop {
                self.skip_misc()?;
                if self.starts_with(b"</") {
                    self.close_tag(root)?;
                    break;
                }
                match self.b.get(self.pos) {
                    Some(b'<') => {
                        self.pos += 1;
                        let at = self.pos;
                        let name = self.name()?;
                        let value = if self.tag_end()? {
                            Cow::Borrowed("")
                        } else {
                            self.content(name)?
                        };
                        if map.fields.len() < LINEAR_DUP_CHECK {
                            let bit = name_bit(name);
                            if seen & bit != 0 && map.fields.iter().any(|(k, _)| *k == name) {
                                return Err(
                                    XmlError::new(XmlErrorKind::Duplicate, at).with_field(name)
                                );
                            }
                            seen |= bit;
                        }
                        map.fields.push((name, value));
                    }
                    Some(_) => return Err(self.err(XmlErrorKind::UnexpectedText)),
                    None => return Err(self.err(XmlErrorKind::UnexpectedEof)),
                }
            }
        }
        self.skip_misc()?;
        if self.pos != self.b.len() {
            return Err(self.err(XmlErrorKind::UnexpectedText));
        }
        if map.fields.len() > LINEAR_DUP_CHECK {
            check_duplicates(&map, self.b)?;
        }
        Ok(map)
    }

    /// Element content up to and including `</name>`.
    fn content(&mut self, name: &str) -> Result<Cow<'a, str>, XmlError> {
        let mut acc = Acc::Empty;
        loop {
            let Some(stop) = find_markup(self.rest()) else {
                return Err(self.err(XmlErrorKind::UnexpectedEof).with_field(name));
            };
            if stop > 0 {
                self.check_chars(self.pos, self.pos + stop, name)?;
                acc.push_text(&self.s[self.pos..self.pos + stop], self.has_cr);
                self.pos += stop;
            }
            if self.b[self.pos] == b'&' {
                let c = self.reference().map_err(|e| e.with_field(name))?;
                acc.push_char(c);
                continue;
            }
            // At '<'.
            if self.starts_with(b"</") {
                self.close_tag(name)?;
                break;
            }
            if self.starts_with(b"<![CDATA[") {
                let body_start = self.pos + 9;
                match find(&self.b[body_start..], b"]]>") {
                    Some(end) => {
                        self.check_chars(body_start, body_start + end, name)?;
                        acc.push_text(&self.s[body_start..body_start + end], self.has_cr);
                        self.pos = body_start + end + 3;
                    }
                    None => return Err(self.err(XmlErrorKind::UnexpectedEof).with_field(name)),
                }
                continue;
            }
            if self.starts_with(b"<!--") {
                self.skip_comment()?;
                continue;
            }
            if self.starts_with(b"<!") {
                return Err(self.markup_decl_error().with_field(name));
            }
            if self.starts_with(b"<?") {
                return Err(self
                    .err(XmlErrorKind::ProcessingInstruction)
                    .with_field(name));
            }
            return Err(self.err(XmlErrorKind::Nested).with_field(name));
        }
        Ok(match acc {
            Acc::Empty => Cow::Borrowed(""),
            Acc::One(s) => Cow::Borrowed(s),
            Acc::Many(s) => Cow::Owned(s),
        })
    }

    /// A reference at `&`: the five predefined entities and numeric ones.
    fn reference(&mut self) -> Result<char, XmlError> {
        let start = self.pos;
        let body = &self.b[start + 1..];
        let end = body.iter().take(64).position(|&c| c == b';');
        let Some(end) = end else {
            return Err(self.err(XmlErrorKind::Syntax(
                "'&' must start a reference ending in ';' (write &amp; for a literal '&')",
            )));
        };
        let name = &self.s[start + 1..start + 1 + end];
        self.pos = start + 1 + end + 1;
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ if name.starts_with("#x") || name.starts_with("#X") => {
                parse_char_ref(&name[2..], 16, start)?
            }
            _ if name.starts_with('#') => parse_char_ref(&name[1..], 10, start)?,
            _ => {
                return Err(XmlError::new(
                    XmlErrorKind::UndefinedEntity {
                        name: name.chars().take(32).collect(),
                    },
                    start,
                ));
            }
        };
        Ok(c)
    }
}

/// An element's content being gathered: borrowed while it is one piece.
enum Acc<'a> {
    Empty,
    One(&'a str),
    Many(String),
}

impl<'a> Acc<'a> {
    /// Text or CDATA as read: with `may_have_cr`, CR LF and a lone CR become
    /// LF (XML 1.0 §2.11, end-of-line handling).
    fn push_text(&mut self, p: &'a str, may_have_cr: bool) {
        if !may_have_cr || !p.contains('\r') {
            self.push_str(p);
            return;
        }
        let mut o = match core::mem::replace(self, Self::Empty) {
            Self::Empty => String::with_capacity(p.len()),
            Self::One(s) => String::from(s),
            Self::Many(o) => o,
        };
        let mut rest = p;
        while let Some(i) = rest.find('\r') {
            o.push_str(&rest[..i]);
            o.push('\n');
            rest = &rest[i + 1..];
            if let Some(r) = rest.strip_prefix('\n') {
                rest = r;
            }
        }
        o.push_str(rest);
        *self = Self::Many(o);
    }

    fn push_str(&mut self, p: &'a str) {
        match self {
            Self::Empty => *self = Self::One(p),
            Self::One(s) => {
                let mut o = String::with_capacity(s.len() + p.len() + 8);
                o.push_str(s);
                o.push_str(p);
                *self = Self::Many(o);
            }
            Self::Many(o) => o.push_str(p),
        }
    }

    fn push_char(&mut self, c: char) {
        match self {
            Self::Empty => *self = Self::Many(String::from(c)),
            Self::One(s) => {
                let mut o = String::from(*s);
                o.push(c);
                *self = Self::Many(o);
            }
            Self::Many(o) => o.push(c),
        }
    }
}

fn parse_char_ref(digits: &str, radix: u32, at: usize) -> Result<char, XmlError> {
    let bad = || XmlError::new(XmlErrorKind::InvalidCharRef, at);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|c| (c as char).is_digit(radix))
    {
        return Err(bad());
    }
    let n = u32::from_str_radix(digits, radix).map_err(|_| bad())?;
    match char::from_u32(n) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err(bad()),
    }
}

/// A name's first 8 bytes as a number that orders like the bytes (names
/// contain no NUL, so zero padding sorts a shorter name first).
fn prefix_key(name: &str) -> u64 {
    let b = name.as_bytes();
    let n = b.len().min(8);
    let mut buf = [0u8; 8];
    buf[..n].copy_from_slice(&b[..n]);
    u64::from_be_bytes(buf)
}

/// Finds a repeated field name in O(n log n), for documents with many
/// fields; reports the repetition that comes first in the document, at the
/// offset of its name (as the check while reading does).
///
/// Fields are sorted as plain integers (an 8-byte prefix key above the
/// field's index), which needs no string comparison; only names sharing
/// those 8 bytes are then compared in full.
fn check_duplicates(map: &XmlMap<'_>, input: &[u8]) -> Result<(), XmlError> {
    let mut keys: Vec<u128> = map
        .fields
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (u128::from(prefix_key(k)) << 64) | i as u128)
        .collect();
    keys.sort_unstable();
    let index = |key: u128| (key & u128::from(u64::MAX)) as usize;
    let mut first_repeat: Option<usize> = None;
    for run in keys
        .chunk_by(|a, b| a >> 64 == b >> 64)
        .filter(|r| r.len() > 1)
    {
        let mut names: Vec<(&str, usize)> = run
            .iter()
            .map(|&key| (map.fields[index(key)].0, index(key)))
            .collect();
        names.sort_unstable();
        for w in names.windows(2).filter(|w| w[0].0 == w[1].0) {
            first_repeat = Some(first_repeat.map_or(w[1].1, |f| f.min(w[1].1)));
        }
    }
    match first_repeat {
        None => Ok(()),
        Some(i) => {
            let name = map.fields[i].0;
            // Every name borrows from `input`, so this is its byte offset.
            let offset = name.as_ptr().addr().wrapping_sub(input.as_ptr().addr());
            Err(XmlError::new(XmlErrorKind::Duplicate, offset).with_field(name))
        }
    }
}

fn is_integer(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|c| c.is_ascii_digit())
}

fn push_cdata(out: &mut String, v: &str) {
    out.push_str("<![CDATA[");
    let mut rest = v;
    while let Some(i) = rest.find(['\r', ']']) {
        if rest.as_bytes()[i] == b'\r' {
            // A raw CR would read back as LF (XML 1.0 §2.11): write it as a
            // reference between two sections.
            out.push_str(&rest[..i]);
            out.push_str("]]>&#13;<![CDATA[");
            rest = &rest[i + 1..];
        } else if rest[i..].starts_with("]]>") {
            // End the section between "]]" and ">", start a new one.
            out.push_str(&rest[..i + 2]);
            out.push_str("]]><![CDATA[");
            rest = &rest[i + 2..];
        } else {
            out.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// The first character of `v` outside XML 1.0's `Char`, if any.
fn forbidden_char(v: &str) -> Option<char> {
    v.chars().find(|&c| !is_xml_char(c))
}

/// Encodes parameters under `<xml>`, sorted by name (a stable order): values
/// that are integers are written as bare text, every other value in CDATA
/// (a `]]>` inside a value is split across two sections, so no value can
/// break out). Empty values are written as empty elements' content.
///
/// ```
/// let xml = wxpay_core::xml::encode(&[("total_fee", "1"), ("body", "a]]>b")]).unwrap();
/// assert_eq!(xml, "<xml><body><![CDATA[a]]]]><![CDATA[>b]]></body><total_fee>1</total_fee></xml>");
/// ```
///
/// # Errors
/// [`XmlErrorKind::InvalidName`] (with the field) for a name outside
/// `[A-Za-z_][A-Za-z0-9_.-]*`; [`XmlErrorKind::InvalidChar`] (with the
/// field) for a value holding a character XML 1.0 forbids (NUL, another C0
/// control but TAB/LF/CR, U+FFFE, U+FFFF): no parser could read it back.
pub fn encode<P: Params + ?Sized>(params: &P) -> Result<String, XmlError> {
    encode_root("xml", params)
}

/// [`encode`] under another root, e.g. `root` for a refund `req_info`
/// plaintext.
///
/// # Errors
/// As [`encode`]; also for an invalid root name.
pub fn encode_root<P: Params + ?Sized>(root: &str, params: &P) -> Result<String, XmlError> {
    if !is_valid_name(root) {
        return Err(XmlError::new(XmlErrorKind::InvalidName, 0).with_field(root));
    }
    let mut pairs: Vec<(&str, &str)> = params.pairs().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut cap = 2 * root.len() + 5;
    for (k, v) in &pairs {
        if !is_valid_name(k) {
            return Err(XmlError::new(XmlErrorKind::InvalidName, 0).with_field(k));
        }
        if let Some(c) = forbidden_char(v) {
            return Err(
                XmlError::new(XmlErrorKind::InvalidChar { ch: u32::from(c) }, 0).with_field(k),
            );
        }
        cap += 2 * k.len() + v.len() + 17;
    }
    let mut out = String::with_capacity(cap);
    out.push('<');
    out.push_str(root);
    out.push('>');
    for (k, v) in pairs {
        out.push('<');
        out.push_str(k);
        out.push('>');
        if is_integer(v) {
            out.push_str(v);
        } else {
            push_cdata(&mut out, v);
        }
        out.push_str("</");
        out.push_str(k);
        out.push('>');
    }
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    Ok(out)
}

/// The exact reply WeChat expects from a notify receiver that accepted the
/// notify: `<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>`.
pub const NOTIFY_REPLY_SUCCESS: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

/// A notify reply: `SUCCESS`/`OK` when `ok`, otherwise `FAIL` with `msg` (a
/// character XML 1.0 forbids in `msg` is written as U+FFFD, so the reply
/// always parses).
#[must_use]
pub fn notify_reply(ok: bool, msg: &str) -> String {
    if ok {
        return String::from(NOTIFY_REPLY_SUCCESS);
    }
    let mut out = String::from("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg>");
    // Infallible, so a character XML 1.0 forbids becomes U+FFFD rather than
    // a reply no parser could read.
    let msg: Cow<'_, str> = if forbidden_char(msg).is_some() {
        Cow::Owned(
            msg.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    } else {
        Cow::Borrowed(msg)
    };
    push_cdata(&mut out, &msg);
    out.push_str("</return_msg></xml>");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mixed_content() {
        let m = decode(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <a>x<![CDATA[<y>]]>&amp;&#x4e2d;</a>\n  <b/>\n  <!-- c -->\n  <c></c>\n</xml>\n").unwrap();
        assert_eq!(m.get("a"), Some("x<y>&中"));
        assert_eq!(m.get("b"), Some(""));
        assert_eq!(m.get("c"), Some(""));
    }

    #[test]
    fn cdata_split_roundtrip() {
        let xml = encode(&[("a", "]]>]]>"), ("b", "x]]")]).unwrap();
        let m = decode(xml.as_bytes()).unwrap();
        assert_eq!(m.get("a"), Some("]]>]]>"));
        assert_eq!(m.get("b"), Some("x]]"));
    }

    #[test]
    fn notify_reply_exact() {
        assert_eq!(notify_reply(true, "ignored"), NOTIFY_REPLY_SUCCESS);
        assert_eq!(
            notify_reply(false, "签名失败"),
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>"
        );
    }
}
