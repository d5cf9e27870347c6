//! chrF / chrF++ exactly as sacrebleu 2.6 computes them (`metrics/chrf.py`, `metrics/helpers.py`).
//!
//! Per segment and order: `[hyp_count, ref_count, match]` for character n-grams `1..=char_order`
//! then word n-grams `1..=word_order`, of the reference with the best F (first wins ties).

use rustc_hash::FxHashMap;

use crate::bleu::{id_bits, packed_sorted_ngrams, sorted_clipped_overlap};
use crate::error::{MetricError, Result};
use crate::ngram::{clipped_overlap, count_ngrams, ngram_total, Interner, NgramCounts};
use crate::pystr::{is_py_space, py_lower, py_split};

/// sacrebleu chrF's `eps`.
const EPS: f64 = 1e-16;

/// chrF options (sacrebleu `CHRF.__init__`).
#[derive(Debug, Clone, Copy)]
pub struct ChrfConfig {
    pub char_order: usize,
    pub word_order: usize,
    pub beta: f64,
    pub lowercase: bool,
    pub whitespace: bool,
    pub eps_smoothing: bool,
}

impl ChrfConfig {
    pub fn new(
        char_order: usize,
        word_order: usize,
        beta: f64,
        lowercase: bool,
        whitespace: bool,
        eps_smoothing: bool,
    ) -> Result<Self> {
        if char_order + word_order == 0 {
            return Err(MetricError::value("char_order + word_order must be >= 1"));
        }
        if !beta.is_finite() {
            return Err(MetricError::value("beta must be a finite number"));
        }
        Ok(Self {
            char_order,
            word_order,
            beta,
            lowercase,
            whitespace,
            eps_smoothing,
        })
    }

    /// Orders in total (`char_order + word_order`).
    pub fn order(&self) -> usize {
        self.char_order + self.word_order
    }

    /// Length of one statistics vector: `3 * order`.
    pub fn n_stats(&self) -> usize {
        3 * self.order()
    }
}

/// sacrebleu `CHRF._PUNCTS` (`string.punctuation`).
#[inline]
fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// sacrebleu `CHRF._remove_punctuation`: splits one punctuation mark off the end, else the start.
fn words<'a>(sent: &'a str, out: &mut Vec<&'a str>) {
    for w in py_split(sent) {
        let mut chars = w.chars();
        let (first, last) = match (chars.next(), chars.next_back()) {
            (Some(f), Some(l)) => (f, l),
            _ => {
                // one code point
                out.push(w);
                continue;
            }
        };
        if is_punct(last) {
            let cut = w.len() - last.len_utf8();
            out.push(&w[..cut]);
            out.push(&w[cut..]);
        } else if is_punct(first) {
            let cut = first.len_utf8();
            out.push(&w[..cut]);
            out.push(&w[cut..]);
        } else {
            out.push(w);
        }
    }
}

/// The n-gram material of one preprocessed segment.
struct Side {
    chars: Vec<u32>,
    words: Vec<u32>,
}

fn side<'a>(
    cfg: &ChrfConfig,
    text: &'a str,
    interner: &mut Interner<'a>,
    scratch: &mut Vec<&'a str>,
) -> Side {
    let chars: Vec<u32> = if cfg.whitespace {
        text.chars().map(|c| c as u32).collect()
    } else {
        // `''.join(line.split())`
        text.chars()
            .filter(|&c| !is_py_space(c))
            .map(|c| c as u32)
            .collect()
    };
    let mut word_ids = Vec::new();
    if cfg.word_order > 0 {
        scratch.clear();
        words(text, scratch);
        interner.extend_ids(scratch.iter().copied(), &mut word_ids);
    }
    Side {
        chars,
        words: word_ids,
    }
}

/// sacrebleu `CHRF._compute_f_score` on one statistics vector (same operations, same order).
pub fn f_score(cfg: &ChrfConfig, stats: &[i64]) -> f64 {
    let factor = cfg.beta * cfg.beta;
    let mut score = 0.0f64;
    let mut effective_order = 0usize;
    let (mut avg_prec, mut avg_rec) = (0.0f64, 0.0f64);
    for tri in stats.chunks_exact(3) {
        let (n_hyp, n_ref, n_match) = (tri[0], tri[1], tri[2]);
        let prec = if n_hyp > 0 {
            n_match as f64 / n_hyp as f64
        } else {
            EPS
        };
        let rec = if n_ref > 0 {
            n_match as f64 / n_ref as f64
        } else {
            EPS
        };
        let denom = factor * prec + rec;
        score += if denom > 0.0 {
            (1.0 + factor) * prec * rec / denom
        } else {
            EPS
        };
        if n_hyp > 0 && n_ref > 0 {
            avg_prec += prec;
            avg_rec += rec;
            effective_order += 1;
        }
    }
    if cfg.eps_smoothing {
        return 100.0 * score / cfg.order() as f64;
    }
    if effective_order == 0 {
        avg_prec = 0.0;
        avg_rec = 0.0;
    } else {
        avg_prec /= effective_order as f64;
        avg_rec /= effective_order as f64;
    }
    if avg_prec + avg_rec != 0.0 {
        let mut s = (1.0 + factor) * avg_prec * avg_rec;
        s /= factor * avg_prec + avg_rec;
        100.0 * s
    } else {
        0.0
    }
}

/// Validates a summed statistics vector and scores it.
pub fn score_from_stats(cfg: &ChrfConfig, stats: &[i64]) -> Result<f64> {
    if stats.len() != cfg.n_stats() {
        return Err(MetricError::value(format!(
            "chrF statistics must have 3 * (char_order + word_order) = {} values, got {}",
            cfg.n_stats(),
            stats.len()
        )));
    }
    Ok(f_score(cfg, stats))
}

/// Writes the statistics of one segment (of its best reference) into `out` and returns that
/// reference's F score. `refs` must not be empty.
pub fn segment_stats(cfg: &ChrfConfig, hyp: &str, refs: &[&str], out: &mut [i64]) -> f64 {
    let lower = |s: &str| {
        if cfg.lowercase {
            py_lower(s).into_owned()
        } else {
            s.to_owned()
        }
    };
    let hyp_text = lower(hyp);
    let ref_texts: Vec<String> = refs.iter().map(|r| lower(r)).collect();

    let mut interner = Interner::new();
    let mut scratch = Vec::new();
    let h = side(cfg, &hyp_text, &mut interner, &mut scratch);
    let rs: Vec<Side> = ref_texts
        .iter()
        .map(|r| side(cfg, r, &mut interner, &mut scratch))
        .collect();

    if let Some(f) = packed_segment_stats(cfg, &h, &rs, out) {
        return f;
    }

    // Hypothesis n-gram counts, computed once: char orders then word orders.
    let order = cfg.order();
    let mut hyp_counts: Vec<NgramCounts> = Vec::with_capacity(order);
    for n in 1..=cfg.char_order {
        let mut m = NgramCounts::default();
        count_ngrams(&h.chars, n, &mut m);
        hyp_counts.push(m);
    }
    for n in 1..=cfg.word_order {
        let mut m = NgramCounts::default();
        count_ngrams(&h.words, n, &mut m);
        hyp_counts.push(m);
    }

    let mut best_f = -1.0f64;
    let mut stats = vec![0i64; cfg.n_stats()];
    let mut ref_counts = NgramCounts::default();
    for r in &rs {
        for (o, hc) in hyp_counts.iter().enumerate() {
            let (hseq, rseq, n) = if o < cfg.char_order {
                (&h.chars, &r.chars, o + 1)
            } else {
                (&h.words, &r.words, o + 1 - cfg.char_order)
            };
            let ref_total = ngram_total(rseq.len(), n) as i64;
            let hyp_total = ngram_total(hseq.len(), n) as i64;
            let matched = if hc.is_empty() || ref_total == 0 {
                0
            } else {
                count_ngrams(rseq, n, &mut ref_counts);
                clipped_overlap(hc, &ref_counts) as i64
            };
            // sacrebleu: "Don't count hits if no reference exists for that n-gram".
            stats[3 * o] = if ref_total > 0 { hyp_total } else { 0 };
            stats[3 * o + 1] = ref_total;
            stats[3 * o + 2] = matched;
        }
        let f = f_score(cfg, &stats);
        // Strictly greater: the first reference wins ties (chrf.py `_compute_segment_statistics`).
        if f > best_f {
            best_f = f;
            out.copy_from_slice(&stats);
        }
    }
    best_f
}

/// Re-numbers code points densely (shared by hypothesis and references) so n-grams pack into u64.
fn dense_chars(sides: &mut [&mut Vec<u32>]) -> usize {
    let mut ascii = [u32::MAX; 128];
    let mut other: FxHashMap<u32, u32> = FxHashMap::default();
    let mut next = 0u32;
    for seq in sides.iter_mut() {
        for c in seq.iter_mut() {
            let slot = if *c < 128 {
                &mut ascii[*c as usize]
            } else {
                other.entry(*c).or_insert(u32::MAX)
            };
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *c = *slot;
        }
    }
    next as usize
}

/// Same statistics as the hashing path, with exact packed keys and sorted merges; `None` when an
/// n-gram would not fit in 64 bits.
fn packed_segment_stats(cfg: &ChrfConfig, h: &Side, rs: &[Side], out: &mut [i64]) -> Option<f64> {
    let word_bits = id_bits(h.words.len() + rs.iter().map(|r| r.words.len()).sum::<usize>());
    if word_bits as usize * cfg.word_order > 64 {
        return None;
    }
    let mut hc = h.chars.clone();
    let mut rcs: Vec<Vec<u32>> = rs.iter().map(|r| r.chars.clone()).collect();
    let char_count = {
        let mut sides: Vec<&mut Vec<u32>> = Vec::with_capacity(1 + rcs.len());
        sides.push(&mut hc);
        sides.extend(rcs.iter_mut());
        dense_chars(&mut sides)
    };
    let char_bits = id_bits(char_count);
    if char_bits as usize * cfg.char_order > 64 {
        return None;
    }
    let order = cfg.order();
    // (n, bits) of order slot `o`: char orders first, then word orders.
    let slot = |o: usize| -> (usize, u32) {
        if o < cfg.char_order {
            (o + 1, char_bits)
        } else {
            (o + 1 - cfg.char_order, word_bits)
        }
    };
    let mut hyp_keys: Vec<Vec<u64>> = Vec::with_capacity(order);
    for o in 0..order {
        let (n, bits) = slot(o);
        let ids = if o < cfg.char_order { &hc } else { &h.words };
        let mut k = Vec::new();
        packed_sorted_ngrams(ids, n, bits, &mut k);
        hyp_keys.push(k);
    }
    let mut best_f = -1.0f64;
    let mut stats = vec![0i64; cfg.n_stats()];
    let mut rk = Vec::new();
    for (r, rc) in rs.iter().zip(&rcs) {
        for (o, hk) in hyp_keys.iter().enumerate() {
            let (n, bits) = slot(o);
            let rseq: &[u32] = if o < cfg.char_order { rc } else { &r.words };
            let ref_total = ngram_total(rseq.len(), n) as i64;
            let matched = if hk.is_empty() || ref_total == 0 {
                0
            } else {
                packed_sorted_ngrams(rseq, n, bits, &mut rk);
                sorted_clipped_overlap(hk, &rk) as i64
            };
            stats[3 * o] = if ref_total > 0 { hk.len() as i64 } else { 0 };
            stats[3 * o + 1] = ref_total;
            stats[3 * o + 2] = matched;
        }
        let f = f_score(cfg, &stats);
        if f > best_f {
            best_f = f;
            out.copy_from_slice(&stats);
        }
    }
    Some(best_f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(cfg: &ChrfConfig, pairs: &[(&str, &str)]) -> f64 {
        let mut total = vec![0i64; cfg.n_stats()];
        let mut s = vec![0i64; cfg.n_stats()];
        for (h, r) in pairs {
            segment_stats(cfg, h, &[r], &mut s);
            total.iter_mut().zip(&s).for_each(|(t, x)| *t += x);
        }
        f_score(cfg, &total)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn sacrebleu_test_chrf_vectors() {
        // sacrebleu test/test_chrf.py (beta=3, eps_smoothing=True)
        let eps = ChrfConfig::new(6, 0, 3.0, false, false, true).unwrap();
        assert!(close(corpus(&eps, &[("aa", "ab")]), 8.3333333));
        assert!(close(corpus(&eps, &[("a", "a")]), 16.6666667));
        assert!(close(corpus(&eps, &[("a b c", "a b c")]), 50.0));
        assert!(close(corpus(&eps, &[("a b c", "abc")]), 50.0));
        let eff = ChrfConfig::new(6, 0, 3.0, false, false, false).unwrap();
        assert_eq!(corpus(&eff, &[("a", "a")]), 100.0);
        assert_eq!(corpus(&eff, &[("aa", "ab")]), 25.0);
        assert_eq!(corpus(&eff, &[("a", "a"), ("b", "c")]), 50.0);
    }

    #[test]
    fn empty_reference_eps() {
        let eps = ChrfConfig::new(6, 0, 2.0, false, false, true).unwrap();
        assert_eq!(corpus(&eps, &[("", "")]), 1.0000000000000002e-14);
    }

    #[test]
    fn word_split() {
        let mut v = Vec::new();
        words("(hi) a. ,b x ..", &mut v);
        assert_eq!(v, ["(hi", ")", "a", ".", ",", "b", "x", ".", "."]);
    }
}
