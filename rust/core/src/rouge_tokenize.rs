//! rouge-score's default tokenizer (`rouge_score/tokenize.py`), byte-exact.
//!
//! Reference: `text.lower()`, `re.sub(r"[^a-z0-9]+", " ")`, split on spaces, optional Porter stem of
//! tokens longer than 3 chars, keep tokens matching `^[a-z0-9]+$`. Only ASCII letters and digits
//! survive; the only non-ASCII characters whose Python lowercase contains ASCII are U+0130
//! (-> "i" + U+0307, a separator) and U+212A KELVIN SIGN (-> "k").
//!
//! The other profiles (`Profile`) serve every script; see docs/rouge-tokenizers.md.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::{MetricError, Result};
use crate::porter;
use crate::pystr::{py_lower, py_split};

/// A ROUGE tokenizer profile, chosen by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// rouge-score's tokenizer: lowercase ASCII letters and digits only.
    #[default]
    Default,
    /// UAX #29 words holding a letter or digit, lowercased as Python's `str.lower()`.
    Unicode,
    /// `Unicode`, with every Han ideograph, kana and hangul character a token of its own.
    Cjk,
    /// Python `text.lower().split()`: tokens kept verbatim (pre-tokenized text).
    Whitespace,
}

impl Profile {
    /// The profile names, `Profile::parse` order.
    pub const NAMES: [&'static str; 4] = ["default", "unicode", "cjk", "whitespace"];

    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "default" => Ok(Self::Default),
            "unicode" => Ok(Self::Unicode),
            "cjk" => Ok(Self::Cjk),
            "whitespace" => Ok(Self::Whitespace),
            _ => Err(MetricError::value(format!(
                "unknown ROUGE tokenizer {name:?}; expected 'default', 'unicode', 'cjk' or 'whitespace'"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Han ideographs (with radicals, iteration/number marks), hiragana, katakana and hangul: the
/// characters `Profile::Cjk` makes single-character tokens (char-level Chinese ROUGE, LCSTS).
pub fn is_cjk_char(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF // Hangul Jamo
        | 0x2E80..=0x2FDF // CJK and Kangxi radicals
        | 0x3005..=0x3007 // 々 〆 〇
        | 0x3021..=0x3029 // Hangzhou numerals
        | 0x3038..=0x303B
        | 0x3041..=0x30FF // hiragana, katakana
        | 0x3131..=0x318F // Hangul compatibility jamo
        | 0x31F0..=0x31FF // katakana phonetic extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xA960..=0xA97F // Hangul jamo extended-A
        | 0xAC00..=0xD7FF // Hangul syllables, jamo extended-B
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFF9F // halfwidth katakana
        | 0xFFA0..=0xFFDC // halfwidth hangul
        | 0x1B000..=0x1B16F // kana supplement / extended
        | 0x20000..=0x3FFFF // CJK extensions B.. (SIP, TIP)
    )
}

/// Counts of the characters of a text the default tokenizer drops (`Profile::Default` warning).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropCount {
    /// Letters and digits (`char::is_alphanumeric`).
    pub alphanumeric: usize,
    /// Those outside ASCII: rouge-score's tokenizer turns them into separators.
    pub dropped: usize,
}

impl DropCount {
    /// Most of the text's letters and digits are dropped.
    pub fn drops_most(&self) -> bool {
        self.dropped * 2 > self.alphanumeric
    }
}

/// The letters/digits of `text` and how many of them the default tokenizer drops (ASCII text:
/// none, without a character loop).
pub fn default_drop_count(text: &str) -> DropCount {
    if text.is_ascii() {
        return DropCount::default();
    }
    let mut d = DropCount::default();
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        d.alphanumeric += 1;
        // U+0130 and U+212A lowercase to ASCII and survive.
        d.dropped += usize::from(!c.is_ascii() && c != '\u{130}' && c != '\u{212a}');
    }
    d
}

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
pub fn for_each_token(text: &str, buf: &mut Vec<u8>, sink: impl FnMut(Event<'_>)) {
    scan_tokens(text, buf, true, sink)
}

/// `for_each_token`, reporting `Event::Newline` only when `newlines` is set (the newline masks
/// are skipped when no rougeLsum sentence boundary is needed).
#[inline]
pub fn scan_tokens(text: &str, buf: &mut Vec<u8>, newlines: bool, mut sink: impl FnMut(Event<'_>)) {
    let bytes = text.as_bytes();
    if has_special(bytes) {
        for_each_token_general(text, buf, |ev| {
            if newlines || !matches!(ev, Event::Newline) {
                sink(ev)
            }
        });
    } else if newlines {
        for_each_token_fast::<true>(bytes, buf, sink);
    } else {
        for_each_token_fast::<false>(bytes, buf, sink);
    }
}

/// Sends one token of a non-default profile to `sink`: `Short` when its key is not one of the
/// sentinels (0, 1) of `rouge.rs`'s key stream (the token "\u{1}" is), else `Long`.
#[inline]
fn emit(tok: &str, sink: &mut impl FnMut(Event<'_>)) {
    match short_key(tok.as_bytes()) {
        Some(k) if k > 1 => sink(Event::Short(k)),
        _ => sink(Event::Long(tok.as_bytes())),
    }
}

/// A piece of a UAX #29 word: a token, lowercased, when it holds a letter or digit.
#[inline]
fn emit_alnum(piece: &str, sink: &mut impl FnMut(Event<'_>)) {
    if piece.chars().any(char::is_alphanumeric) {
        emit(&py_lower(piece), sink);
    }
}

/// Streams the tokens of `text` under `profile` to `sink`, reporting `Event::Newline` when
/// `newlines` is set. `Profile::Default` is `scan_tokens`; the others are lowercased.
pub fn scan_profile_tokens(
    profile: Profile,
    text: &str,
    buf: &mut Vec<u8>,
    newlines: bool,
    mut sink: impl FnMut(Event<'_>),
) {
    match profile {
        Profile::Default => scan_tokens(text, buf, newlines, sink),
        Profile::Whitespace => {
            // Lowercasing line by line is `text.lower()`: no final-sigma context crosses "\n".
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 && newlines {
                    sink(Event::Newline);
                }
                for t in py_split(&py_lower(line)) {
                    emit(t, &mut sink);
                }
            }
        }
        Profile::Unicode | Profile::Cjk => {
            for seg in text.split_word_bounds() {
                if !seg.chars().any(char::is_alphanumeric) {
                    // UAX #29 always breaks around "\n", so newlines sit in dropped segments.
                    if newlines {
                        seg.bytes()
                            .filter(|&b| b == b'\n')
                            .for_each(|_| sink(Event::Newline));
                    }
                    continue;
                }
                if profile == Profile::Unicode || !seg.chars().any(is_cjk_char) {
                    emit(&py_lower(seg), &mut sink);
                    continue;
                }
                let mut start = 0;
                for (i, c) in seg.char_indices() {
                    if is_cjk_char(c) {
                        let end = i + c.len_utf8();
                        emit_alnum(&seg[start..i], &mut sink);
                        emit_alnum(&seg[i..end], &mut sink);
                        start = end;
                    }
                }
                emit_alnum(&seg[start..], &mut sink);
            }
        }
    }
}

/// Whether `bytes` holds U+0130 or U+212A, the only characters the fast scanner cannot treat as
/// plain separators. Non-ASCII text is searched per 32-byte block for their lead bytes first.
#[inline]
fn has_special(bytes: &[u8]) -> bool {
    if bytes.is_ascii() {
        return false;
    }
    bytes.chunks(32).enumerate().any(|(c, blk)| {
        let lead = blk
            .iter()
            .fold(0u8, |a, &b| a | u8::from(b == 0xC4 || b == 0xE2));
        lead != 0 && (c * 32..c * 32 + blk.len()).any(|i| special_at(bytes, i))
    })
}

/// `b` in every byte lane of a `u64`.
const fn lanes(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}
const HI: u64 = lanes(0x80);
const LO7: u64 = lanes(0x7F);
/// Multiplier gathering the lane bits `(x >> 7) & 0x0101..` into the top byte, lane order kept.
const GATHER: u64 = 0x0102_0408_1020_4080;
const LOWER_LANES: u128 = u128::from_le_bytes([0x20; 16]);

/// Bit `i` set iff byte `i` of the 8 little-endian bytes `x` is an ASCII letter or digit (SWAR:
/// lanes are masked to 7 bits first, so the range additions never carry into the next lane).
#[inline]
fn alnum_bits(x: u64) -> u64 {
    let v = x & LO7;
    // '0'..='9': v + 0x50 reaches 0x80 iff v >= 0x30; v + 0x46 stays below 0x80 iff v <= 0x39.
    let digit = v.wrapping_add(lanes(0x50)) & !v.wrapping_add(lanes(0x46));
    // Letters, case folded: 'a'..='z' is 0x61..=0x7A.
    let l = v | lanes(0x20);
    let alpha = l.wrapping_add(lanes(0x1F)) & !l.wrapping_add(lanes(0x05));
    let hi = (digit | alpha) & !x & HI;
    (hi >> 7).wrapping_mul(GATHER) >> 56
}

/// Bit `i` set iff byte `i` of `x` is `\n` (exact zero-lane test on `x ^ '\n'`).
#[inline]
fn newline_bits(x: u64) -> u64 {
    let y = x ^ lanes(b'\n');
    let hi = !(((y & LO7).wrapping_add(LO7)) | y) & HI;
    (hi >> 7).wrapping_mul(GATHER) >> 56
}

/// Letter/digit bits and (when `NL`) newline bits of a 64-byte block.
#[inline]
fn block_bits<const NL: bool>(blk: &[u8; 64]) -> (u64, u64) {
    let (mut m, mut nl) = (0u64, 0u64);
    for (k, w) in blk.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        m |= alnum_bits(x) << (8 * k);
        if NL {
            nl |= newline_bits(x) << (8 * k);
        }
    }
    (m, nl)
}

/// The 16 bytes at `p` as a little-endian `u128`, zero-padded past the end.
#[inline]
fn load16(bytes: &[u8], p: usize) -> u128 {
    let mut a = [0u8; 16];
    match bytes.get(p..p + 16) {
        Some(w) => a.copy_from_slice(w),
        None => {
            let tail = bytes.get(p..).unwrap_or(&[]);
            a[..tail.len()].copy_from_slice(tail);
        }
    }
    u128::from_le_bytes(a)
}

/// Reports the newlines of `nl` below bit `off` and clears them.
#[inline]
fn newlines_below(nl: &mut u64, off: u32, sink: &mut impl FnMut(Event<'_>)) {
    let before = *nl & ((1u64 << off) - 1);
    for _ in 0..before.count_ones() {
        sink(Event::Newline);
    }
    *nl &= !before;
}

/// `for_each_token_general` for texts without U+0130/U+212A, where every non-ASCII byte is a
/// separator. Per 64-byte block, bit masks of letters/digits give token starts and ends; the
/// k-th start pairs with the k-th end, so tokens come out without a byte loop or a mispredicted
/// branch per token. Short tokens are keyed straight from the text (lowercased by `| 0x20`).
pub fn for_each_token_fast<const NL: bool>(
    bytes: &[u8],
    buf: &mut Vec<u8>,
    mut sink: impl FnMut(Event<'_>),
) {
    let n = bytes.len();
    let mut carry = 0u64;
    let mut pending: Option<usize> = None;
    let mut tail = [0u8; 64];
    // One block past the last byte when `n % 64 == 0`, so a token ending at `n` gets its end bit.
    for b in 0..=n / 64 {
        let base = b * 64;
        let blk: &[u8; 64] = match bytes.get(base..base + 64).and_then(|w| w.try_into().ok()) {
            Some(w) => w,
            None => {
                let rest = bytes.get(base..).unwrap_or(&[]);
                tail[..rest.len()].copy_from_slice(rest);
                tail[rest.len()..].fill(0);
                &tail
            }
        };
        let (m, mut nl) = block_bits::<NL>(blk);
        let prev = (m << 1) | carry;
        carry = m >> 63;
        let mut starts = m & !prev;
        let mut ends = !m & prev;
        while ends != 0 {
            let e = base + ends.trailing_zeros() as usize;
            ends &= ends - 1;
            let s = match pending.take() {
                Some(s) => s,
                None => {
                    let off = starts.trailing_zeros();
                    starts &= starts.wrapping_sub(1);
                    if NL && nl != 0 {
                        newlines_below(&mut nl, off, &mut sink);
                    }
                    base + off as usize
                }
            };
            let len = e - s;
            if len <= 16 {
                // Digits already have bit 0x20 set; letters get lowercased.
                sink(Event::Short(
                    (load16(bytes, s) | LOWER_LANES) & LEN_MASK[len],
                ));
            } else {
                buf.clear();
                buf.extend(bytes[s..e].iter().map(|&c| LOWER[c as usize]));
                sink(Event::Long(buf));
                buf.clear();
            }
        }
        if starts != 0 {
            // A token runs past this block; the newlines before it are all in this block.
            let off = starts.trailing_zeros();
            if NL && nl != 0 {
                newlines_below(&mut nl, off, &mut sink);
            }
            pending = Some(base + off as usize);
        }
        if NL {
            for _ in 0..nl.count_ones() {
                sink(Event::Newline);
            }
        }
    }
}

/// The byte-at-a-time scanner: exact on every input (the oracle of `for_each_token_fast`).
pub fn for_each_token_general(text: &str, buf: &mut Vec<u8>, mut sink: impl FnMut(Event<'_>)) {
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
    tokenize_profile(text, Profile::Default, use_stemmer)
}

/// The tokens of `text` under `profile`. With `use_stemmer`, tokens of ASCII letters and digits
/// longer than 3 characters are Porter-stemmed and filtered as rouge-score does; other tokens
/// (any non-ASCII or punctuation character) are kept as they are.
pub fn tokenize_profile(text: &str, profile: Profile, use_stemmer: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    scan_profile_tokens(profile, text, &mut buf, false, |ev| {
        let (arr, n);
        let t: &[u8] = match ev {
            Event::Short(k) => {
                (arr, n) = short_bytes(k);
                &arr[..n]
            }
            Event::Long(b) => b,
            Event::Newline => return,
        };
        // Tokens are whole UTF-8 strings by construction.
        let s = String::from_utf8_lossy(t).into_owned();
        let ascii_word = is_valid_token(&s);
        let s = if use_stemmer && ascii_word && should_stem(t) {
            porter::stem(&s)
        } else {
            s
        };
        if !ascii_word || is_valid_token(&s) {
            out.push(s);
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
    fn profile_vectors() {
        let t = "Hello, Wörld! 東京タワー 한국어abc don't 3.50 ΑΣ e-mail 👍\nx";
        let p = |name: &str, stem: bool| tokenize_profile(t, Profile::parse(name).unwrap(), stem);
        assert_eq!(
            p("unicode", false),
            [
                "hello",
                "wörld",
                "東",
                "京",
                "タワー",
                "한국어abc",
                "don't",
                "3.50",
                "ας",
                "e",
                "mail",
                "x"
            ]
        );
        assert_eq!(
            p("cjk", false),
            [
                "hello", "wörld", "東", "京", "タ", "ワ", "ー", "한", "국", "어", "abc", "don't",
                "3.50", "ας", "e", "mail", "x"
            ]
        );
        assert_eq!(
            p("whitespace", false),
            [
                "hello,",
                "wörld!",
                "東京タワー",
                "한국어abc",
                "don't",
                "3.50",
                "ας",
                "e-mail",
                "👍",
                "x"
            ]
        );
        assert_eq!(p("default", false), tokenize(t, false));
        // Only ASCII letter/digit tokens longer than 3 characters are stemmed.
        assert_eq!(
            tokenize_profile("Running cats кошки runs", Profile::Unicode, true),
            ["run", "cat", "кошки", "run"]
        );
        assert!(Profile::parse("Unicode").is_err());
        for name in Profile::NAMES {
            assert_eq!(Profile::parse(name).unwrap().name(), name);
        }
        // A one-byte token "\u{1}" must not collide with the key-stream sentinels.
        let mut evs = Vec::new();
        scan_profile_tokens(
            Profile::Whitespace,
            "\u{1} a\nb",
            &mut Vec::new(),
            true,
            |e| {
                evs.push(match e {
                    Event::Short(k) => format!("S{k}"),
                    Event::Long(b) => format!("L{b:?}"),
                    Event::Newline => "|".into(),
                })
            },
        );
        assert_eq!(evs, ["L[1]", "S97", "|", "S98"]);
    }

    #[test]
    fn drop_counts() {
        assert!(!default_drop_count("!!! ...").drops_most());
        assert!(!default_drop_count("Café naïve résumé").drops_most());
        assert!(default_drop_count("我喜欢吃苹果 ok").drops_most());
        assert!(default_drop_count("Привет мир").drops_most());
        assert!(!default_drop_count("\u{130}\u{212a}").drops_most());
    }

    /// The event stream of a scanner as strings ("|" for a newline, "L:" marks a long token).
    fn events(scan: impl FnOnce(&mut Vec<u8>, &mut dyn FnMut(Event<'_>))) -> Vec<String> {
        let mut buf = Vec::new();
        let mut evs = Vec::new();
        scan(&mut buf, &mut |e| {
            evs.push(match e {
                Event::Short(k) => {
                    let (a, n) = short_bytes(k);
                    String::from_utf8_lossy(&a[..n]).into_owned()
                }
                Event::Long(t) => format!("L:{}", String::from_utf8_lossy(t)),
                Event::Newline => "|".into(),
            })
        });
        evs
    }

    #[test]
    fn newlines_are_reported() {
        let evs = events(|b, f| for_each_token("a b\n\nc", b, f));
        assert_eq!(evs, ["a", "b", "|", "|", "c"]);
        let evs = events(|b, f| for_each_token_fast::<true>(b"a b\n\nc", b, f));
        assert_eq!(evs, ["a", "b", "|", "|", "c"]);
    }

    #[test]
    fn fast_scanner_chunk_edges() {
        // Tokens of 1..130 bytes at every offset across the 64-byte block boundaries.
        for pre in 0..70 {
            for len in [1, 15, 16, 17, 31, 33, 63, 64, 65, 130] {
                let t = format!(
                    "{}{}\n{}.{}",
                    " ".repeat(pre),
                    "Ab9".repeat(50).get(..len).unwrap_or(""),
                    "\n".repeat(pre % 3),
                    "x".repeat(pre)
                );
                let fast = events(|b, f| for_each_token_fast::<true>(t.as_bytes(), b, f));
                let slow = events(|b, f| for_each_token_general(&t, b, f));
                assert_eq!(fast, slow, "{t:?}");
            }
        }
    }

    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop_oneof![
                6 => "[a-zA-Z0-9]{1,20}",
                4 => Just(" ".to_string()),
                2 => Just("\n".to_string()),
                1 => prop::sample::select(vec![
                    ".", ",", "\t", "\0", "_", "@", "[", "`", "{", "/", ":", "\u{7f}", "é", "中",
                    "\u{2019}", "\u{b0}", "\u{aa}", "\u{c4}", "\u{2014}", "ß", "\u{1F600}",
                    "\u{130}", "\u{212a}", "\u{10b0}",
                ])
                .prop_map(str::to_string),
            ],
            0..120,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(2000)))]
        #[test]
        fn fast_scanner_matches_general(t in mixed_text()) {
            let slow = events(|b, f| for_each_token_general(&t, b, f));
            proptest::prop_assert_eq!(&events(|b, f| for_each_token(&t, b, f)), &slow);
            let no_nl: Vec<String> = slow.iter().filter(|e| *e != "|").cloned().collect();
            proptest::prop_assert_eq!(&events(|b, f| scan_tokens(&t, b, false, f)), &no_nl);
            if !has_special(t.as_bytes()) {
                let fast = events(|b, f| for_each_token_fast::<true>(t.as_bytes(), b, f));
                proptest::prop_assert_eq!(&fast, &slow);
            }
        }
    }
}
