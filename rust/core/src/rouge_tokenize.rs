//! rouge-score's default tokenizer (`rouge_score/tokenize.py`), byte-exact.
//!
//! Reference: `text.lower()`, `re.sub(r"[^a-z0-9]+", " ")`, split on spaces, optional Porter stem of
//! tokens longer than 3 chars, keep tokens matching `^[a-z0-9]+$`. Only ASCII letters and digits
//! survive; the only non-ASCII characters whose Python lowercase contains ASCII are U+0130
//! (-> "i" + U+0307, a separator) and U+212A KELVIN SIGN (-> "k").

use crate::porter;

/// One event of the token stream. Tokens are lowercase ASCII `[a-z0-9]+`, not stemmed.
pub enum Event<'b> {
    /// A token of at most 16 bytes, zero-padded into a little-endian `u128` (never 0, no NUL
    /// inside, so the key identifies the token; see `short_bytes`).
    Short(u128),
    /// A longer token.
    Long(&'b [u8]),
    /// A `"\n"` in the text (rougeLsum sentence boundary).
    Newline,
}

const fn lower_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            // `| 0x20` lowercases ASCII letters and leaves digits (0x30..0x39) unchanged.
            t[b] = c | 0x20;
        }
        b += 1;
    }
    t
}

/// Lowercase of each ASCII letter/digit byte, 0 for every other byte.
static LOWER: [u8; 256] = lower_table();

/// Length of a `Short` key's token.
#[inline]
pub fn short_len(key: u128) -> usize {
    16 - (key.leading_zeros() / 8) as usize
}

/// The bytes of a `Short` key's token.
#[inline]
pub fn short_bytes(key: u128) -> ([u8; 16], usize) {
    (key.to_le_bytes(), short_len(key))
}

/// The `Short` key of `tok` (<= 16 bytes, no NUL), else `None`.
#[inline]
pub fn short_key(tok: &[u8]) -> Option<u128> {
    if tok.len() > 16 || tok.contains(&0) {
        return None;
    }
    let mut b = [0u8; 16];
    b[..tok.len()].copy_from_slice(tok);
    Some(u128::from_le_bytes(b))
}

const fn mask_table() -> [u128; 17] {
    let mut t = [0u128; 17];
    let mut i = 1;
    while i < 16 {
        t[i] = (1u128 << (8 * i)) - 1;
        i += 1;
    }
    t[16] = !0;
    t
}

/// `LEN_MASK[len]` keeps the low `len` bytes of a `u128`.
static LEN_MASK: [u128; 17] = mask_table();

/// Key of the lowercased ASCII-alnum run `bytes[start..start+len]` (`len <= 16`).
#[inline]
fn run_key(bytes: &[u8], start: usize, len: usize) -> u128 {
    let raw = match bytes.get(start..start + 16) {
        Some(w) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(w);
            u128::from_le_bytes(a)
        }
        None => {
            let mut a = [0u8; 16];
            a[..len].copy_from_slice(&bytes[start..start + len]);
            u128::from_le_bytes(a)
        }
    };
    (raw | 0x2020_2020_2020_2020_2020_2020_2020_2020) & LEN_MASK[len]
}

/// U+0130 (C4 B0) or U+212A (E2 84 AA) at `i`: characters whose lowercase holds ASCII.
#[inline]
fn special_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(0xC4) => bytes.get(i + 1) == Some(&0xB0),
        Some(0xE2) => bytes.get(i + 1) == Some(&0x84) && bytes.get(i + 2) == Some(&0xAA),
        _ => false,
    }
}

/// Streams the tokens of `text` (and its newlines) to `sink`; `buf` is scratch space.
pub fn for_each_token(text: &str, buf: &mut Vec<u8>, mut sink: impl FnMut(Event<'_>)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    // `buf` assembles a token only when it touches U+0130/U+212A or is longer than 16 bytes.
    buf.clear();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if LOWER[b as usize] != 0 {
            let start = i;
            i += 1;
            while i < n && LOWER[bytes[i] as usize] != 0 {
                i += 1;
            }
            let len = i - start;
            if buf.is_empty() && !special_at(bytes, i) {
                if len <= 16 {
                    sink(Event::Short(run_key(bytes, start, len)));
                } else {
                    buf.extend(bytes[start..i].iter().map(|&c| LOWER[c as usize]));
                    flush(buf, &mut sink);
                }
            } else {
                buf.extend(bytes[start..i].iter().map(|&c| LOWER[c as usize]));
            }
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
    if buf.is_empty() {
        return;
    }
    match short_key(buf) {
        Some(k) => sink(Event::Short(k)),
        None => sink(Event::Long(buf)),
    }
    buf.clear();
}

/// rouge-score stems only tokens longer than 3 characters.
#[inline]
pub fn should_stem(tok: &[u8]) -> bool {
    tok.len() > 3
}

/// `true` when `tok` matches `^[a-z0-9]+$` (the reference's final filter, applied after stemming).
#[inline]
pub fn is_valid_token(tok: &str) -> bool {
    !tok.is_empty()
        && tok
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The tokens of `text` as `rouge_score.tokenize.tokenize(text, stemmer)` returns them.
pub fn tokenize(text: &str, use_stemmer: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for_each_token(text, &mut buf, |ev| {
        let (arr, long);
        let t: &[u8] = match ev {
            Event::Short(k) => {
                let (a, n) = short_bytes(k);
                arr = a;
                &arr[..n]
            }
            Event::Long(b) => {
                long = b.to_vec();
                &long
            }
            Event::Newline => return,
        };
        {
            // Tokens are ASCII by construction.
            let s = String::from_utf8_lossy(t);
            let s = if use_stemmer && should_stem(t) {
                porter::stem(&s)
            } else {
                s.into_owned()
            };
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
        assert_eq!(
            tok("Café naïve résumé déjà vu"),
            ["caf", "na", "ve", "r", "sum", "d", "j", "vu"]
        );
        assert!(tok("我喜欢吃苹果。").is_empty());
        assert_eq!(tok("don't"), ["don", "t"]);
        assert_eq!(tok("$3.50 - 1,000"), ["3", "50", "1", "000"]);
        assert_eq!(
            tok("İstanbul \u{212a}elvin ﬁle STRASSE Straße"),
            ["i", "stanbul", "kelvin", "le", "strasse", "stra", "e"]
        );
        assert_eq!(tok("a\tb\nc  D_e"), ["a", "b", "c", "d", "e"]);
        assert!(tok("").is_empty());
        assert!(tok(" ... ").is_empty());
        assert_eq!(tok("x\u{130}y"), ["xi", "y"]);
        assert_eq!(tok("x\u{212a}y"), ["xky"]);
        assert_eq!(
            tok("\u{212a}\u{212a}\u{130}\u{130}AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 z"),
            ["kki", "i", "abcdefghijklmnopqrstuvwxyz0123456789", "z"]
        );
        assert_eq!(
            tok("ABCDEFGHIJKLMNOP abcdefghijklmnopq\u{212a}"),
            ["abcdefghijklmnop", "abcdefghijklmnopqk"]
        );
    }

    #[test]
    fn newlines_are_reported() {
        let mut buf = Vec::new();
        let mut evs = Vec::new();
        for_each_token("a b\n\nc", &mut buf, |e| {
            evs.push(match e {
                Event::Short(k) => {
                    let (a, n) = short_bytes(k);
                    String::from_utf8_lossy(&a[..n]).into_owned()
                }
                Event::Long(t) => String::from_utf8_lossy(t).into_owned(),
                Event::Newline => "|".into(),
            })
        });
        assert_eq!(evs, ["a", "b", "|", "|", "c"]);
    }
}
