//! Python `str` holding lone surrogates (a model output cut inside an emoji's surrogate pair)
//! cannot be borrowed as UTF-8. sacrebleu scores them as ordinary characters: none of its
//! tokenizers, `lower()` or `split()` treats a surrogate (category Cs) differently from a
//! private-use character (Co). So each lone surrogate `U+D800 + k` is scored as the private-use
//! character `base + k`, with `base` a 2048-character private-use block that no input of the call
//! uses: the scores are exactly sacrebleu's (tests/test_reliability.py checks every tokenizer).

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyString};

use crate::common::{internal_error, value_error};
use crate::texts::Texts;

/// Lone-surrogate strings met while extracting: (flat index, display name, the `str`).
pub type Pending = Vec<(usize, String, Py<PyString>)>;

const BLOCK: u32 = 0x800;
/// Candidate blocks: planes 15 and 16 (private use), 31 blocks each, clear of U+xFFFE/U+xFFFF.
const BLOCKS: usize = 62;

fn block_base(b: usize) -> u32 {
    let (plane, j) = if b < 31 {
        (0xF0000, b)
    } else {
        (0x100000, b - 31)
    };
    plane + BLOCK * j as u32
}

fn block_of(cp: u32) -> Option<usize> {
    let (plane, off) = match cp {
        0xF0000..=0xFFFFF => (0, cp - 0xF0000),
        0x100000..=0x10FFFF => (31, cp - 0x100000),
        _ => return None,
    };
    let j = (off / BLOCK) as usize;
    (j < 31).then_some(plane + j)
}

fn mark_used(s: &str, used: &mut [bool; BLOCKS]) {
    // Planes 15-16 start with byte F3 (U+C0000..) or F4 in UTF-8: most texts skip the scan.
    if !s.as_bytes().iter().any(|&b| b >= 0xF3) {
        return;
    }
    for c in s.chars() {
        if let Some(b) = block_of(c as u32) {
            used[b] = true;
        }
    }
}

/// The text of `s` as `str.encode("utf-8", "surrogatepass")` gives it, split into runs of valid
/// UTF-8 and lone surrogates.
enum Piece<'a> {
    Text(&'a str),
    Surrogate(u32),
}

fn pieces(bytes: &[u8]) -> PyResult<Vec<Piece<'_>>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push(Piece::Text(s));
                break;
            }
            Err(e) => {
                let ok = e.valid_up_to();
                // `from_utf8` has just validated `rest[..ok]`.
                out.push(Piece::Text(std::str::from_utf8(&rest[..ok]).unwrap_or("")));
                match rest.get(ok..ok + 3) {
                    Some(&[0xED, b1 @ 0xA0..=0xBF, b2 @ 0x80..=0xBF]) => {
                        out.push(Piece::Surrogate(
                            0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F),
                        ));
                        rest = &rest[ok + 3..];
                    }
                    _ => return Err(internal_error("unexpected surrogatepass encoding".into())),
                }
            }
        }
    }
    Ok(out)
}

/// Replaces the placeholders of `pending` in each `Texts` with the remapped strings.
pub fn remap(py: Python<'_>, sets: &mut [(&mut Texts, Pending)]) -> PyResult<()> {
    if sets.iter().all(|(_, p)| p.is_empty()) {
        return Ok(());
    }
    let mut used = [false; BLOCKS];
    let mut encoded = Vec::new();
    for (texts, pending) in sets.iter() {
        for s in texts.iter() {
            mark_used(s, &mut used); // placeholders are empty
        }
        for (_, _, obj) in pending {
            let b = obj
                .bind(py)
                .call_method1("encode", ("utf-8", "surrogatepass"))?
                .cast_into::<PyBytes>()?;
            for p in pieces(b.as_bytes())? {
                if let Piece::Text(t) = p {
                    mark_used(t, &mut used);
                }
            }
            encoded.push(b);
        }
    }
    let Some(block) = (0..BLOCKS).find(|&b| !used[b]) else {
        let (_, name, _) = &sets
            .iter()
            .find(|(_, p)| !p.is_empty())
            .expect("non-empty")
            .1[0];
        return Err(value_error(
            py,
            format!(
                "{name} holds a lone surrogate (an invalid, cut character) and the inputs use \
                 every private-use block it could be scored as; remove or replace it"
            ),
        ));
    };
    let base = block_base(block);
    let mut encoded = encoded.into_iter();
    for (texts, pending) in sets.iter_mut() {
        for (i, _, _) in pending.drain(..) {
            let b = encoded
                .next()
                .ok_or_else(|| internal_error("surrogate bookkeeping".into()))?;
            let mut s = String::with_capacity(b.as_bytes().len() + 4);
            for p in pieces(b.as_bytes())? {
                match p {
                    Piece::Text(t) => s.push_str(t),
                    Piece::Surrogate(cp) => s.push(
                        char::from_u32(base + (cp - 0xD800))
                            .ok_or_else(|| internal_error("surrogate mapping".into()))?,
                    ),
                }
            }
            let backed: PyBackedStr = PyString::new(py, &s).try_into()?;
            texts.set(i, backed)?;
        }
    }
    Ok(())
}
