//! sacrebleu's `TercomTokenizer` (tokenizers/tokenizer_ter.py, a port of tercom's Normalizer):
//! optional lowercasing, punctuation tokenization, CJK splitting and punctuation removal.
//!
//! Every regex pass of sacrebleu is reproduced as one left-to-right scan with the same
//! non-overlapping match semantics as Python's `re.sub`, over code points.

use crate::pystr::{py_lower, py_rstrip, py_split};

/// The four `TercomTokenizer` options (sacrebleu defaults: all false).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TercomTokenizer {
    pub normalized: bool,
    pub no_punct: bool,
    pub asian_support: bool,
    pub case_sensitive: bool,
}

/// `[{-~[-` -&(-+:-@/]`: the ASCII punctuation (and space) tercom pads with spaces.
#[inline]
fn is_western_punct(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// Python `[0-9]` on a `str` pattern: ASCII digits only.
#[inline]
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// `TercomTokenizer.ASIAN_PUNCT`.
#[inline]
fn is_asian_punct(c: char) -> bool {
    matches!(c, '\u{3001}' | '\u{3002}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301f}'
        | '\u{ff61}'..='\u{ff65}' | '\u{30fb}')
}

/// `TercomTokenizer.FULL_WIDTH_PUNCT`.
#[inline]
fn is_full_width_punct(c: char) -> bool {
    matches!(
        c,
        '\u{ff0e}'
            | '\u{ff0c}'
            | '\u{ff1f}'
            | '\u{ff1a}'
            | '\u{ff1b}'
            | '\u{ff01}'
            | '\u{ff02}'
            | '\u{ff08}'
            | '\u{ff09}'
    )
}

/// The characters `_normalize_asian` pads with spaces (every class of its `re.sub` calls that can
/// match; they only insert spaces, so one pass over their union is equivalent).
#[inline]
fn is_asian_split(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}'       // CJK Unified Ideographs (+ Ext. A)
        | '\u{31c0}'..='\u{31ef}' | '\u{2e80}'..='\u{2eff}'     // CJK Strokes, Radicals Supplement
        | '\u{3300}'..='\u{33ff}' | '\u{f900}'..='\u{faff}' | '\u{fe30}'..='\u{fe4f}'
        | '\u{3200}'..='\u{3f22}')
        || is_asian_punct(c)
        || is_full_width_punct(c)
}

/// `re.sub(r"([A])([B])", repl, s)` for single-character classes `A`, `B`: scans left to right,
/// a match consumes both characters (so matches never overlap), `emit` writes the replacement.
fn sub_pair(
    s: &str,
    first: impl Fn(char) -> bool,
    second: impl Fn(char) -> bool,
    emit: impl Fn(&mut String, char, char),
) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let a = chars[i];
        if i + 1 < chars.len() && first(a) && second(chars[i + 1]) {
            emit(&mut out, a, chars[i + 1]);
            i += 2;
        } else {
            out.push(a);
            i += 1;
        }
    }
    out
}

/// Each character matching `class` becomes `" c "` (`re.sub(r"([class])", r" \1 ", s)`).
fn pad_chars(s: &str, class: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if class(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// `_normalize_general_and_western`.
fn normalize_general_and_western(sent: &str) -> String {
    // strip end-of-line hyphenation, join lines, unescape the XML entities tercom knows (in order)
    let sent = sent
        .replace("\n-", "")
        .replace('\n', " ")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let sent = format!(" {sent} ");
    let sent = pad_chars(&sent, is_western_punct);
    // possessives; sacrebleu's second rule r"'s$" never fires: the string ends with the space above
    let sent = sent.replace("'s ", " 's ");
    // period and comma unless preceded by a digit
    let sent = sub_pair(
        &sent,
        |c| !is_digit(c),
        |c| c == '.' || c == ',',
        |o, a, b| {
            o.push(a);
            o.push(' ');
            o.push(b);
            o.push(' ');
        },
    );
    // period and comma unless followed by a digit
    let sent = sub_pair(
        &sent,
        |c| c == '.' || c == ',',
        |c| !is_digit(c),
        |o, a, b| {
            o.push(' ');
            o.push(a);
            o.push(' ');
            o.push(b);
        },
    );
    // dash when preceded by a digit
    sub_pair(
        &sent,
        is_digit,
        |c| c == '-',
        |o, a, b| {
            o.push(a);
            o.push(' ');
            o.push(b);
            o.push(' ');
        },
    )
}

/// `_normalize_asian`. Its three kana rules are anchored with `^` (no MULTILINE) at both ends of
/// an alternation, so they can only match at position 0, which after the general normalization is
/// always a space: they never fire and are left out.
fn normalize_asian(sent: &str) -> String {
    pad_chars(sent, is_asian_split)
}

impl TercomTokenizer {
    pub fn new(
        normalized: bool,
        no_punct: bool,
        asian_support: bool,
        case_sensitive: bool,
    ) -> Self {
        Self {
            normalized,
            no_punct,
            asian_support,
            case_sensitive,
        }
    }

    /// `TercomTokenizer.__call__(sent)`: the tokens joined by single spaces.
    pub fn tokenize(&self, sent: &str) -> String {
        if sent.is_empty() {
            return String::new();
        }
        let mut s: String = if self.case_sensitive {
            sent.to_owned()
        } else {
            py_lower(sent).into_owned()
        };
        if self.normalized {
            s = normalize_general_and_western(&s);
            if self.asian_support {
                s = normalize_asian(&s);
            }
        }
        if self.no_punct {
            s.retain(|c| !matches!(c, '.' | ',' | '?' | ':' | ';' | '!' | '"' | '(' | ')'));
            if self.asian_support {
                s.retain(|c| !is_asian_punct(c) && !is_full_width_punct(c));
            }
        }
        let mut out = String::with_capacity(s.len());
        for (k, t) in py_split(&s).enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }

    /// sacrebleu `TER._preprocess_segment`: `tokenizer(sent.rstrip())`.
    pub fn preprocess(&self, sent: &str) -> String {
        self.tokenize(py_rstrip(sent))
    }

    /// Fast path for the defaults: no normalization, so the words are Python `split()` of the
    /// (lowercased) line, borrowed when no lowercasing is needed.
    pub fn is_plain(&self) -> bool {
        !self.normalized && !self.no_punct
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str, normalized: bool, no_punct: bool, asian: bool, case: bool) -> String {
        TercomTokenizer::new(normalized, no_punct, asian, case).tokenize(s)
    }

    #[test]
    fn sacrebleu_tokenizer_vectors() {
        // sacrebleu test/test_tokenizer_ter.py
        assert_eq!(tok("a b c d", false, false, false, false), "a b c d");
        assert_eq!(tok("", false, false, false, false), "");
        assert_eq!(tok("A B C D", false, false, false, true), "A B C D");
        assert_eq!(tok("A B C D", false, false, false, false), "a b c d");
        assert_eq!(
            tok("a b, c. d! e?", true, false, false, false),
            "a b , c . d ! e ?"
        );
        assert_eq!(tok("a b, c. d! e?", false, true, false, false), "a b c d e");
        assert_eq!(
            tok("1.5, 2-3 it's", true, false, false, false),
            "1.5 , 2 - 3 it 's"
        );
    }

    #[test]
    fn asian_split_and_punct() {
        assert_eq!(tok("我喜欢。", true, false, true, false), "我 喜 欢 。");
        assert_eq!(tok("我喜欢。", false, true, true, false), "我喜欢");
        assert_eq!(
            tok("&amp;quot; x\n-y", true, false, false, false),
            "& quot ; xy"
        );
    }
}
