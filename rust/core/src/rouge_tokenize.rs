//! rouge-score's default tokenizer (`rouge_score/tokenize.py`), byte-exact.
//!
//! Reference: `text.lower()`, `re.sub(r"[^a-z0-9]+", " ")`, split on spaces, optional Porter stem of
//! tokens longer than 3 chars, keep tokens matching `^[a-z0-9]+$`. Only ASCII letters and digits
//! survive; the only non-ASCII characters whose Python lowercase contains ASCII are U+0130
//! (-> "i" + U+0307, a separator) and U+212A KELVIN SIGN (-> "k").

use crate::porter;

/// One event of the token stream.
pub enum Event<'b> {
    /// A token (lowercase ASCII `[a-z0-9]+`, not stemmed).
    Token(&'b [u8]),
    /// A `"\n"` in the text (rougeLsum sentence boundary).
    Newline,
}

/// Streams the tokens of `text` (and its newlines) to `sink`; `buf` is scratch space.
pub fn for_each_token(text: &str, buf: &mut Vec<u8>, mut sink: impl FnMut(Event<'_>)) {
    let bytes = text.as_bytes();
    buf.clear();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            buf.push(b.to_ascii_lowercase());
            i += 1;
            continue;
        }
        if b < 0x80 {
            flush(buf, &mut sink);
            if b == b'\n' {
                sink(Event::Newline);
            }
            i += 1;
        } else if b == 0xC4 && bytes.get(i + 1) == Some(&0xB0) {
            // U+0130 lowercases to "i" + U+0307 (combining dot, a separator).
            buf.push(b'i');
            flush(buf, &mut sink);
            i += 2;
        } else if b == 0xE2 && bytes.get(i + 1) == Some(&0x84) && bytes.get(i + 2) == Some(&0xAA) {
            // U+212A KELVIN SIGN lowercases to ASCII "k".
            buf.push(b'k');
            i += 3;
        } else {
            // Any other non-ASCII byte belongs to a character that separates tokens.
            flush(buf, &mut sink);
            i += 1;
        }
    }
    flush(buf, &mut sink);
}

#[inline]
fn flush(buf: &mut Vec<u8>, sink: &mut impl FnMut(Event<'_>)) {
    if !buf.is_empty() {
        sink(Event::Token(buf));
        buf.clear();
    }
}

/// rouge-score stems only tokens longer than 3 characters.
#[inline]
pub fn should_stem(tok: &[u8]) -> bool {
    tok.len() > 3
}

/// `true` when `tok` matches `^[a-z0-9]+$` (the reference's final filter, applied after stemming).
#[inline]
pub fn is_valid_token(tok: &str) -> bool {
    !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The tokens of `text` as `rouge_score.tokenize.tokenize(text, stemmer)` returns them.
pub fn tokenize(text: &str, use_stemmer: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for_each_token(text, &mut buf, |ev| {
        if let Event::Token(t) = ev {
            // Tokens are ASCII by construction.
            let s = String::from_utf8_lossy(t);
            let s = if use_stemmer && should_stem(t) { porter::stem(&s) } else { s.into_owned() };
            if is_valid_token(&s) {
                out.push(s);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Vec<String> {
        tokenize(s, false)
    }

    #[test]
    fn reference_vectors() {
        assert_eq!(tok("Café naïve résumé déjà vu"), ["caf", "na", "ve", "r", "sum", "d", "j", "vu"]);
        assert!(tok("我喜欢吃苹果。").is_empty());
        assert_eq!(tok("don't"), ["don", "t"]);
        assert_eq!(tok("$3.50 - 1,000"), ["3", "50", "1", "000"]);
        assert_eq!(tok("İstanbul \u{212a}elvin ﬁle STRASSE Straße"), ["i", "stanbul", "kelvin", "le", "strasse", "stra", "e"]);
        assert_eq!(tok("a\tb\nc  D_e"), ["a", "b", "c", "d", "e"]);
        assert!(tok("").is_empty());
        assert!(tok(" ... ").is_empty());
        assert_eq!(tok("x\u{130}y"), ["xi", "y"]);
        assert_eq!(tok("x\u{212a}y"), ["xky"]);
    }

    #[test]
    fn newlines_are_reported() {
        let mut buf = Vec::new();
        let mut evs = Vec::new();
        for_each_token("a b\n\nc", &mut buf, |e| {
            evs.push(match e {
                Event::Token(t) => String::from_utf8_lossy(t).into_owned(),
                Event::Newline => "|".into(),
            })
        });
        assert_eq!(evs, ["a", "b", "|", "|", "c"]);
    }
}
