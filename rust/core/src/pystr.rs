//! Python `str` semantics that sacrebleu relies on: `isspace()`/`split()`/`strip()` and `lower()`.
//!
//! Tables come from the Python that runs sacrebleu (`unicode_data`: bundled per Unicode version, or
//! built from the running interpreter), so the result never depends on the Unicode version of the
//! Rust toolchain.

use std::borrow::Cow;

use crate::unicode_data::python_tables;

/// Whether `cp` lies in one of the sorted inclusive `ranges`.
#[inline]
pub fn in_ranges(ranges: &[(u32, u32)], cp: u32) -> bool {
    let i = ranges.partition_point(|&(_, hi)| hi < cp);
    i < ranges.len() && ranges[i].0 <= cp
}

/// Python `str.isspace()` for one character (includes U+001C-U+001F, unlike `char::is_whitespace`).
#[inline]
pub fn is_py_space(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        matches!(cp, 0x09..=0x0D | 0x1C..=0x20)
    } else {
        in_ranges(python_tables().whitespace, cp)
    }
}

/// Python `s.split()` (no argument): runs of whitespace separate tokens, no empty tokens.
pub fn py_split(s: &str) -> impl Iterator<Item = &str> {
    let ascii = s.is_ascii();
    s.split(move |c: char| {
        if ascii {
            matches!(c as u32, 0x09..=0x0D | 0x1C..=0x20)
        } else {
            is_py_space(c)
        }
    })
    .filter(|t| !t.is_empty())
}

/// Python `s.rstrip()`.
pub fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// Python `s.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

fn lower_of(cp: u32) -> Option<&'static [u32; 3]> {
    let lower = python_tables().lower;
    lower
        .binary_search_by_key(&cp, |&(k, _)| k)
        .ok()
        .map(|i| &lower[i].1)
}

const CAPITAL_SIGMA: char = '\u{03A3}';

fn is_case_ignorable(c: char) -> bool {
    in_ranges(python_tables().case_ignorable, c as u32)
}

fn is_cased(c: char) -> bool {
    in_ranges(python_tables().cased, c as u32)
}

/// CPython `handle_capital_sigma`: final form iff a cased letter precedes (skipping case-ignorable
/// characters) and none follows.
fn sigma_is_final(before: &str, after: &str) -> bool {
    let prev = before.chars().rev().find(|&c| !is_case_ignorable(c));
    if !prev.is_some_and(is_cased) {
        return false;
    }
    let next = after.chars().find(|&c| !is_case_ignorable(c));
    !next.is_some_and(is_cased)
}

/// Python `s.lower()` (full case mapping plus final sigma, as CPython does it).
pub fn py_lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Borrowed(s);
        }
        return Cow::Owned(s.to_ascii_lowercase());
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == CAPITAL_SIGMA {
            let after = &s[i + c.len_utf8()..];
            out.push(if sigma_is_final(&s[..i], after) {
                '\u{03C2}'
            } else {
                '\u{03C3}'
            });
        } else if let Some(m) = lower_of(c as u32) {
            for &cp in m.iter().take_while(|&&cp| cp != 0) {
                // Table entries are valid scalar values by construction (generated from Python).
                out.push(char::from_u32(cp).unwrap_or(c));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_like_python() {
        assert!(is_py_space('\u{1C}') && is_py_space('\u{1F}') && is_py_space('\u{3000}'));
        assert!(!is_py_space('\u{200B}') && !is_py_space('a'));
        let toks: Vec<_> = py_split(" a\u{1C}b\u{A0}\u{A0}c ").collect();
        assert_eq!(toks, ["a", "b", "c"]);
        assert_eq!(py_rstrip("ab \u{1F}"), "ab");
        assert_eq!(py_strip("\u{85} ab "), "ab");
    }

    #[test]
    fn lower_like_python() {
        // CPython 3.11: "ΟΔΟΣ".lower() == "οδος" with a final sigma.
        assert_eq!(py_lower("ΟΔΟΣ"), "\u{03BF}\u{03B4}\u{03BF}\u{03C2}");
        assert_eq!(py_lower("Σ"), "σ");
        assert_eq!(py_lower("ΑΣ Α"), "ας α");
        assert_eq!(py_lower("ΑΣΑ"), "ασα");
        assert_eq!(py_lower("İ"), "i\u{307}");
        assert_eq!(py_lower("\u{212A}elvin"), "kelvin");
        assert_eq!(py_lower("ABC"), "abc");
    }
}
