//! Token interning and n-gram counting shared by ROUGE-N, BLEU and chrF.
//!
//! Tokens are interned to dense `u32` ids once per pair; n-grams are counted over id slices.

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};

/// Largest n-gram order accepted for BLEU `max_ngram_order` and chrF `char_order`/`word_order`.
/// Orders longer than every input are still valid (they count no n-grams); this bound only keeps
/// the per-pair statistics (`2 + 2n` or `3n` integers) from being sized by an unchecked argument.
pub const MAX_ORDER: usize = 256;

/// Checks an n-gram order option against `min..=MAX_ORDER`, naming it in the error.
pub fn check_order(name: &str, value: usize, min: usize) -> Result<usize> {
    if value < min || value > MAX_ORDER {
        return Err(MetricError::value(format!(
            "{name} must be between {min} and {MAX_ORDER}, got {value}"
        )));
    }
    Ok(value)
}

/// Maps token strings to dense ids `0..len()`. Reuse one per thread and `clear()` between pairs.
#[derive(Default)]
pub struct Interner<'a> {
    map: FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn clear(&mut self) {
        self.map.clear();
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// The id of `tok`, assigning the next free id on first sight.
    pub fn id(&mut self, tok: &'a str) -> u32 {
        let next = self.map.len() as u32;
        *self.map.entry(tok).or_insert(next)
    }
    /// Appends the ids of `toks` to `out`.
    pub fn extend_ids<I: IntoIterator<Item = &'a str>>(&mut self, toks: I, out: &mut Vec<u32>) {
        for t in toks {
            let id = self.id(t);
            out.push(id);
        }
    }
}

/// Counts of the n-grams of one sequence, keyed by the id slice.
pub type NgramCounts<'s> = FxHashMap<&'s [u32], u32>;

/// Counts the `n`-grams of `ids` into `out` (cleared first). No n-grams when `ids.len() < n`.
pub fn count_ngrams<'s>(ids: &'s [u32], n: usize, out: &mut NgramCounts<'s>) {
    out.clear();
    if n == 0 || ids.len() < n {
        return;
    }
    for w in ids.windows(n) {
        *out.entry(w).or_insert(0) += 1;
    }
}

/// Number of n-grams in a sequence of `len` tokens: `max(0, len - n + 1)`.
pub fn ngram_total(len: usize, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (len + 1).saturating_sub(n)
    }
}

/// Clipped overlap `sum_g min(a[g], b[g])`.
pub fn clipped_overlap(a: &NgramCounts<'_>, b: &NgramCounts<'_>) -> u64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .map(|(g, &c)| u64::from(c.min(large.get(g).copied().unwrap_or(0))))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_overlap() {
        let mut it = Interner::new();
        let mut a = Vec::new();
        let mut b = Vec::new();
        it.extend_ids("the the the cat".split(' '), &mut a);
        it.extend_ids("the cat the".split(' '), &mut b);
        let (mut ca, mut cb) = (NgramCounts::default(), NgramCounts::default());
        count_ngrams(&a, 1, &mut ca);
        count_ngrams(&b, 1, &mut cb);
        assert_eq!(clipped_overlap(&ca, &cb), 3);
        count_ngrams(&a, 2, &mut ca);
        count_ngrams(&b, 2, &mut cb);
        // bigrams: a has (the,the)x2 (the,cat); b has (the,cat) (cat,the).
        assert_eq!(clipped_overlap(&ca, &cb), 1);
        assert_eq!(ngram_total(3, 4), 0);
        assert_eq!(ngram_total(4, 4), 1);
    }
}
