//! sacrebleu 2.6 tokenizers `13a`, `intl`, `zh`, `char`, `none`, reproduced character for character.
//!
//! Every sacrebleu regex used here is a fixed-width pattern of one or two character classes, so
//! Python's `re.sub` (leftmost, non-overlapping, left to right) is a single scan that tests the
//! current and next character (`sub_pair`). The tokens are then Python's `str.split()` of the output.

use crate::error::{MetricError, Result};
use crate::pystr::{in_ranges, py_lower, py_rstrip, py_split, py_strip};
use crate::unicode_data::regex_classes;
use crate::unicode_tables::ZH_CHINESE;

/// A sacrebleu tokenizer (the `tokenize=` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokenizer {
    Thirteen,
    Intl,
    Zh,
    Char,
    None,
}

/// Tokenizers sacrebleu offers that need an external model or library.
const UNSUPPORTED: &[&str] = &[
    "ja-mecab",
    "ko-mecab",
    "spm",
    "flores101",
    "flores200",
    "spBLEU-1K",
];

impl Tokenizer {
    /// Parses sacrebleu's tokenizer name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "13a" => Ok(Self::Thirteen),
            "intl" => Ok(Self::Intl),
            "zh" => Ok(Self::Zh),
            "char" => Ok(Self::Char),
            "none" => Ok(Self::None),
            _ if UNSUPPORTED.contains(&name) => Err(MetricError::unsupported(format!(
                "tokenize={name:?} is not supported by lexmetrics (it needs an external model or \
                 library); supported: '13a', 'intl', 'zh', 'char', 'none'"
            ))),
            _ => Err(MetricError::value(format!(
                "unknown tokenize={name:?}; expected one of '13a', 'intl', 'zh', 'char', 'none'"
            ))),
        }
    }

    /// sacrebleu's `tokenizer.signature()`.
    pub fn signature(self) -> &'static str {
        match self {
            Self::Thirteen => "13a",
            Self::Intl => "intl",
            Self::Zh => "zh",
            Self::Char => "char",
            Self::None => "none",
        }
    }

    /// sacrebleu `BLEU._preprocess_segment`: optional `lower()`, `rstrip()`, then the tokenizer.
    /// Writes the tokenizer output into `out` (cleared); tokens are `py_split(out)`.
    pub fn preprocess(self, sent: &str, lowercase: bool, out: &mut String) {
        let lowered;
        let sent = if lowercase {
            lowered = py_lower(sent);
            &*lowered
        } else {
            sent
        };
        self.tokenize(py_rstrip(sent), out);
    }

    /// The tokenizer's `__call__` (before the final whitespace normalisation, which `py_split`
    /// makes irrelevant for the tokens).
    pub fn tokenize(self, line: &str, out: &mut String) {
        out.clear();
        match self {
            Self::Thirteen => tokenize_13a(line, out),
            Self::Intl => tokenize_intl(line, out),
            Self::Zh => tokenize_zh(line, out),
            Self::Char => {
                // `' '.join(line)`: every non-whitespace code point is a token.
                for c in line.chars() {
                    out.push(c);
                    out.push(' ');
                }
            }
            Self::None => out.push_str(line),
        }
    }

    /// The tokenizer output joined like sacrebleu's `' '.join(line.split())`.
    pub fn tokenize_joined(self, line: &str, lowercase: bool) -> String {
        let mut buf = String::new();
        self.preprocess(line, lowercase, &mut buf);
        let mut out = String::with_capacity(buf.len());
        for (i, t) in py_split(&buf).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }
}

/// `re.sub(r'(A)(B)', pre + r'\1' + mid + r'\2' + post, s)` for single-character classes A and B.
fn sub_pair(
    s: &str,
    out: &mut String,
    a: impl Fn(char) -> bool,
    b: impl Fn(char) -> bool,
    pre: &str,
    mid: &str,
    post: &str,
) {
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match it.peek() {
            Some(&d) if a(c) && b(d) => {
                out.push_str(pre);
                out.push(c);
                out.push_str(mid);
                out.push(d);
                out.push_str(post);
                it.next();
            }
            _ => out.push(c),
        }
    }
}

/// `re.sub(r'(A)', r' \1 ', s)` for a single-character class A.
fn pad_class(s: &str, out: &mut String, a: impl Fn(char) -> bool) {
    for c in s.chars() {
        if a(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
}

/// 13a's first class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
#[inline]
fn is_13a_punct(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// `sub_pair` on UTF-8 bytes, for classes that only test ASCII membership (or its negation): a
/// multi-byte character never belongs to them, its last byte is the neighbour a two-character
/// match would consume, and the positions where scanning resumes are the same, so the result
/// equals the character-level substitution.
fn sub_pair_bytes(
    s: &[u8],
    out: &mut Vec<u8>,
    a: impl Fn(u8) -> bool,
    b: impl Fn(u8) -> bool,
    pre: &[u8],
    mid: &[u8],
    post: &[u8],
) {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if i + 1 < s.len() && a(c) && b(s[i + 1]) {
            out.extend_from_slice(pre);
            out.push(c);
            out.extend_from_slice(mid);
            out.push(s[i + 1]);
            out.extend_from_slice(post);
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

/// sacrebleu `TokenizerRegexp.__call__` (tokenizer_re.py), the four substitutions in order.
/// Every class there is ASCII (or "not an ASCII digit"), so it runs on bytes (see `sub_pair_bytes`).
fn regexp_post(line: &str, out: &mut String) {
    let digit = |c: u8| c.is_ascii_digit();
    let dot_comma = |c: u8| c == b'.' || c == b',';
    let mut a = Vec::with_capacity(line.len() + 32);
    for &c in line.as_bytes() {
        if c < 0x80 && is_13a_punct(c as char) {
            a.extend_from_slice(&[b' ', c, b' ']);
        } else {
            a.push(c);
        }
    }
    let mut b = Vec::with_capacity(a.len() + 16);
    sub_pair_bytes(&a, &mut b, |c| !digit(c), dot_comma, b"", b" ", b" ");
    a.clear();
    sub_pair_bytes(&b, &mut a, dot_comma, |c| !digit(c), b" ", b" ", b"");
    b.clear();
    sub_pair_bytes(&a, &mut b, digit, |c| c == b'-', b"", b" ", b" ");
    // Only ASCII spaces were inserted between whole characters, so `b` is valid UTF-8.
    out.push_str(&String::from_utf8_lossy(&b));
}

/// sacrebleu `Tokenizer13a.__call__` (tokenizer_13a.py). The regex-faithful form, kept as the
/// oracle of `spans_13a` (tests) and for `tokenize_joined`.
fn tokenize_13a(line: &str, out: &mut String) {
    let s = rewrite_13a(line);
    let mut padded = String::with_capacity(s.len() + 2);
    padded.push(' ');
    padded.push_str(&s);
    padded.push(' ');
    regexp_post(&padded, out);
}

/// Whether 13a's string replacements (`<skipped>`, `-\n`, `\n`, entities) can change `b`.
#[inline]
pub fn needs_13a_rewrite(b: &[u8]) -> bool {
    b.iter().any(|&c| matches!(c, b'\n' | b'&' | b'<'))
}

/// 13a's replacements before its regexes, in sacrebleu's order (tokenizer_13a.py L23-33).
pub fn rewrite_13a(line: &str) -> std::borrow::Cow<'_, str> {
    if !needs_13a_rewrite(line.as_bytes()) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut s = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if s.contains('&') {
        s = s
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    std::borrow::Cow::Owned(s)
}

// Byte classes of the fused 13a scan.
const C_PUNCT: u8 = 1; // 13a's first class (each such character becomes a token)
const C_DIGIT: u8 = 2; // [0-9]
const C_DOTCOMMA: u8 = 4; // [.,]
const C_DASH: u8 = 8; // '-'
const C_SPACE: u8 = 16; // ASCII Python whitespace (str.split separators)
const C_HIGH: u8 = 32; // a byte of a non-ASCII character
const C_REWRITE: u8 = 64; // '\n', '&', '<': `rewrite_13a` may change the line
/// The padding space 13a puts around the line: punctuation class and whitespace.
const C_PAD: u8 = C_PUNCT | C_SPACE;

static CLASS_13A: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if matches!(c, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/') {
            k |= C_PUNCT;
        }
        if c.is_ascii_digit() {
            k |= C_DIGIT;
        }
        if c == b'.' || c == b',' {
            k |= C_DOTCOMMA;
        }
        if c == b'-' {
            k |= C_DASH;
        }
        if matches!(c, 0x09..=0x0D | 0x1C..=0x20) {
            k |= C_SPACE;
        }
        if c >= 0x80 {
            k |= C_HIGH;
        }
        if matches!(c, b'\n' | b'&' | b'<') {
            k |= C_REWRITE;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// The high bit of every byte of `x` (little-endian) that is not an ASCII letter, SWAR.
#[inline(always)]
fn non_letters(x: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // Folded to lower case, high bits cleared: per byte < 0x80, so the adds never carry over.
    let y = (x | (0x20 * LO)) & !HI;
    let ge_a = y + (0x80 - b'a' as u64) * LO; // high bit: y >= 'a'
    let gt_z = y + (0x80 - b'z' as u64 - 1) * LO; // high bit: y > 'z'
    !(ge_a & !gt_z & !x) & HI
}

/// What `spans_13a` found in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spans13a {
    /// `b` has non-ASCII bytes.
    pub non_ascii: bool,
    /// `b` has a byte `rewrite_13a` looks at (`needs_13a_rewrite(b)`).
    pub rewrite: bool,
}

/// The 13a tokens of `b` (already through `rewrite_13a` and `rstrip`) as byte spans, offset by
/// `base`, in one pass with no intermediate strings. Tokens are split at ASCII whitespace only;
/// returns what the caller must still do: `non_ascii` (split spans at Unicode whitespace) and
/// `rewrite` (`b` has a byte `rewrite_13a` looks at, so the spans only hold if `b` was already
/// rewritten: `needs_13a_rewrite(b)`, found during the scan at no extra cost).
///
/// `regexp_post`'s four substitutions only insert spaces, so a token is a span of the input and
/// only "is there a space before byte p" matters. With `mb`/`mc` the matches of the second and
/// third regex at a `[.,]` byte (leftmost, non-overlapping, so a byte taken as a match's second
/// character cannot start the next match), a boundary falls before byte p when:
/// - p or p-1 is in the punctuation class (`' \1 '`);
/// - `mb[p]` or `mb[p-1]`: `([^0-9])([\.,])` -> `\1 \2 `, where the previous character is a
///   fresh space after punctuation, or a non-digit not itself taken as a match's `[.,]`;
/// - `mc[p]` or `mc[p-1]`: `([\.,])([^0-9])` -> ` \1 \2`, the next character being a space
///   (inserted before) or a non-digit, and p not taken by `mc[p-1]` through an adjacent pair;
/// - p-1 is `-` after a digit, or p is `-` after a digit (`([0-9])(-)` -> `\1 \2 `; nothing
///   earlier ever separates a digit from a following `-`).
///
/// A multi-byte character is in none of these classes, as in the character-level regexes.
pub fn spans_13a(b: &[u8], base: usize, out: &mut Vec<(usize, usize)>) -> Spans13a {
    let n = b.len();
    let cls = |i: usize| {
        if i < n {
            CLASS_13A[b[i] as usize]
        } else {
            C_PAD
        }
    };
    let mut high = 0u8;
    let mut start = usize::MAX; // start of the open token
    let (mut c_prev2, mut c_prev) = (C_PAD, C_PAD);
    let mut c_cur = cls(0);
    let (mut mb_prev, mut mc_prev) = (false, false);
    // The padding space before the line is a non-digit that no match has taken.
    let mut mb_cur = c_cur & C_DOTCOMMA != 0;
    let mut p = 0;
    while p < n {
        if c_cur == 0 {
            // A plain byte (letters, ...) is in no rule's class: it is not `[.,]` (no `mb`/`mc`
            // match at it, none taken by the next byte), not `-`, not a digit; a boundary falls
            // before it only through its predecessors. The plain bytes after it are then plain
            // pairs, where no rule fires: the token goes on to the next byte of another class.
            let boundary = c_prev & C_PUNCT != 0
                || mb_prev
                || mc_prev
                || (c_prev2 & C_DIGIT != 0 && c_prev & C_DASH != 0);
            if start == usize::MAX {
                start = p;
            } else if boundary {
                out.push((base + start, base + p));
                start = p;
            }
            let q = p + 1;
            p = q;
            // ASCII letters 8 at a time, then byte by byte (the other plain bytes, the tail).
            while let Some(w) = b.get(p..p + 8) {
                let stop = non_letters(u64::from_le_bytes(w.try_into().unwrap()));
                if stop != 0 {
                    p += stop.trailing_zeros() as usize / 8;
                    break;
                }
                p += 8;
            }
            while p < n && CLASS_13A[b[p] as usize] == 0 {
                p += 1;
            }
            c_prev2 = if p == q { c_prev } else { 0 };
            c_prev = 0;
            c_cur = cls(p);
            mb_prev = false;
            mb_cur = c_cur & C_DOTCOMMA != 0;
            mc_prev = false;
            continue;
        }
        let c_next = cls(p + 1);
        high |= c_cur;
        if c_cur & C_SPACE != 0 {
            // Whitespace ends the open token; it is not `[.,]` (no `mb`/`mc` at it) and, being
            // punctuation or a non-digit no match took, lets a `[.,]` after it match `mb`.
            if start != usize::MAX {
                out.push((base + start, base + p));
                start = usize::MAX;
            }
            mb_prev = false;
            mb_cur = c_next & C_DOTCOMMA != 0;
            mc_prev = false;
            c_prev2 = c_prev;
            c_prev = c_cur;
            c_cur = c_next;
            p += 1;
            continue;
        }
        let mb_next =
            c_next & C_DOTCOMMA != 0 && (c_cur & C_PUNCT != 0 || (c_cur & C_DIGIT == 0 && !mb_cur));
        let bnd_ab = (c_prev | c_cur) & C_PUNCT != 0 || mb_cur || mb_prev;
        let bnd_ab_next = (c_cur | c_next) & C_PUNCT != 0 || mb_next || mb_cur;
        let mc_cur = c_cur & C_DOTCOMMA != 0
            && (bnd_ab_next || c_next & C_DIGIT == 0)
            && (bnd_ab || !mc_prev);
        let dash = (c_prev & C_DIGIT != 0 && c_cur & C_DASH != 0)
            || (c_prev2 & C_DIGIT != 0 && c_prev & C_DASH != 0);
        let boundary = bnd_ab || mc_cur || mc_prev || dash;
        if c_cur & C_SPACE != 0 {
            if start != usize::MAX {
                out.push((base + start, base + p));
                start = usize::MAX;
            }
        } else {
            if boundary && start != usize::MAX {
                out.push((base + start, base + p));
                start = usize::MAX;
            }
            if start == usize::MAX {
                start = p;
            }
        }
        mb_prev = mb_cur;
        mb_cur = mb_next;
        mc_prev = mc_cur;
        c_prev2 = c_prev;
        c_prev = c_cur;
        c_cur = c_next;
        p += 1;
    }
    if start != usize::MAX {
        out.push((base + start, base + n));
    }
    Spans13a {
        non_ascii: high & C_HIGH != 0,
        rewrite: high & C_REWRITE != 0,
    }
}

#[inline]
fn is_p(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        c.is_ascii_punctuation()
            && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
    } else {
        in_ranges(regex_classes().p, cp)
    }
}

#[inline]
fn is_s(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
    } else {
        in_ranges(regex_classes().s, cp)
    }
}

#[inline]
fn is_n(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        c.is_ascii_digit()
    } else {
        in_ranges(regex_classes().n, cp)
    }
}

/// sacrebleu `TokenizerV14International.__call__` (tokenizer_intl.py).
fn tokenize_intl(line: &str, out: &mut String) {
    let mut a = String::with_capacity(line.len() + 16);
    sub_pair(line, &mut a, |c| !is_n(c), is_p, "", " ", " ");
    let mut b = String::with_capacity(a.len() + 8);
    sub_pair(&a, &mut b, is_p, |c| !is_n(c), " ", " ", "");
    pad_class(&b, out, is_s);
}

/// sacrebleu `TokenizerZh._is_chinese_char` as it behaves (see ZH_CHINESE for the range quirk).
#[inline]
pub fn is_zh_chinese(c: char) -> bool {
    let cp = c as u32;
    cp >= 0x2001 && in_ranges(ZH_CHINESE, cp)
}

/// sacrebleu `TokenizerZh.__call__` (tokenizer_zh.py): no 13a entity handling, no padding.
fn tokenize_zh(line: &str, out: &mut String) {
    let line = py_strip(line);
    let mut s = String::with_capacity(line.len() + 16);
    pad_class(line, &mut s, is_zh_chinese);
    regexp_post(&s, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(t: &str, s: &str) -> String {
        Tokenizer::parse(t).unwrap().tokenize_joined(s, false)
    }

    #[test]
    fn research_note_vectors() {
        assert_eq!(tok("13a", "Hello, world!"), "Hello , world !");
        assert_eq!(tok("13a", "3.14 and 1,000.5"), "3.14 and 1,000.5");
        assert_eq!(tok("13a", "end of year 2019."), "end of year 2019 .");
        assert_eq!(tok("intl", "end of year 2019."), "end of year 2019.");
        assert_eq!(tok("13a", "e-mail 2019-2020 -5"), "e-mail 2019 - 2020 -5");
        assert_eq!(tok("intl", "e-mail 2019-2020 -5"), "e - mail 2019-2020 - 5");
        assert_eq!(tok("intl", "don't stop"), "don ' t stop");
        assert_eq!(
            tok("13a", "&quot;q&quot; &amp; &lt;tag&gt; &apos;"),
            "\" q \" & < tag > & apos ;"
        );
        assert_eq!(tok("13a", "<skipped> text"), "text");
        assert_eq!(
            tok("13a", "hyphen-\nated line\nbreak"),
            "hyphenated line break"
        );
        assert_eq!(
            tok("zh", "hyphen-\nated line\nbreak"),
            "hyphen- ated line break"
        );
        assert_eq!(tok("13a", "a..b ..."), "a . . b . . .");
        assert_eq!(tok("13a", "U.S.A. $5.00 50%"), "U . S . A . $ 5.00 50 %");
        assert_eq!(tok("intl", "U.S.A. $5.00 50%"), "U . S . A . $ 5.00 50%");
        assert_eq!(tok("zh", "中文,English。测试"), "中 文 , English 。 测 试");
        assert_eq!(tok("intl", "中文,English。测试"), "中文 , English 。 测试");
        assert_eq!(tok("zh", "\u{212A}elvin"), "\u{212A} elvin");
        assert_eq!(tok("char", "ab c"), "a b c");
    }

    #[test]
    fn ascii_fast_paths_match_tables() {
        for cp in 0u32..0x80 {
            let c = char::from_u32(cp).unwrap();
            assert_eq!(is_p(c), in_ranges(regex_classes().p, cp), "{cp:#x}");
            assert_eq!(is_s(c), in_ranges(regex_classes().s, cp), "{cp:#x}");
            assert_eq!(is_n(c), in_ranges(regex_classes().n, cp), "{cp:#x}");
        }
    }

    #[test]
    fn non_letters_swar() {
        for c in 0u8..=255 {
            for pos in 0..8 {
                let mut w = *b"abcdefgh";
                w[pos] = c;
                let got = non_letters(u64::from_le_bytes(w));
                let want = if c.is_ascii_alphabetic() {
                    0
                } else {
                    0x80u64 << (8 * pos)
                };
                assert_eq!(got, want, "{c:#x} at {pos}");
            }
        }
        // a plain non-letter stops the SWAR step, never a letter
        assert_eq!(CLASS_13A[b'\'' as usize], 0);
        for c in (b'a'..=b'z').chain(b'A'..=b'Z') {
            assert_eq!(CLASS_13A[c as usize], 0);
        }
    }

    #[test]
    fn unsupported_and_unknown() {
        assert_eq!(
            Tokenizer::parse("ja-mecab").unwrap_err().kind,
            crate::error::ErrorKind::Unsupported
        );
        assert_eq!(
            Tokenizer::parse("13b").unwrap_err().kind,
            crate::error::ErrorKind::Value
        );
    }
}
