//! chrF / chrF++ exactly as sacrebleu 2.6 computes them (`metrics/chrf.py`, `metrics/helpers.py`).
//!
//! Per segment and order: `[hyp_count, ref_count, match]` for character n-grams `1..=char_order`
//! then word n-grams `1..=word_order`, of the reference with the best F (first wins ties).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::error::{MetricError, Result};
use crate::ngram::{check_order, ngram_total, NgramEngine, SpanInterner};
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
        check_order("char_order", char_order, 0)?;
        check_order("word_order", word_order, 0)?;
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
pub fn words<'a>(sent: &'a str, mut emit: impl FnMut(&'a str)) {
    if sent.is_ascii() {
        // Bytes are characters: split at ASCII whitespace, test the end bytes.
        let b = sent.as_bytes();
        let n = b.len();
        let space = |c: u8| matches!(c, 0x09..=0x0D | 0x1C..=0x20);
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        let mut i = 0;
        loop {
            while i < n && space(b[i]) {
                i += 1;
            }
            if i == n {
                return;
            }
            let start = i;
            i += 1;
            // To the next whitespace byte, 8 bytes at a time: the lowest byte flagged by the
            // SWAR "below 0x21" test is exact (borrows only run upward); a control byte there
            // that is not whitespace is stepped over.
            while let Some(w) = b.get(i..i + 8) {
                let x = u64::from_le_bytes(w.try_into().unwrap());
                let below = x.wrapping_sub(0x21 * LO) & !x & HI;
                if below == 0 {
                    i += 8;
                    continue;
                }
                i += below.trailing_zeros() as usize / 8;
                if space(b[i]) {
                    break;
                }
                i += 1;
            }
            while i < n && !space(b[i]) {
                i += 1;
            }
            let w = &sent[start..i];
            if w.len() >= 2 && b[i - 1].is_ascii_punctuation() {
                emit(&w[..w.len() - 1]);
                emit(&w[w.len() - 1..]);
            } else if w.len() >= 2 && b[start].is_ascii_punctuation() {
                emit(&w[..1]);
                emit(&w[1..]);
            } else {
                emit(w);
            }
        }
    }
    words_general(sent, emit);
}

/// `words` character by character, for any text (the oracle of the ASCII path in tests).
pub(crate) fn words_general<'a>(sent: &'a str, mut emit: impl FnMut(&'a str)) {
    for w in py_split(sent) {
        let mut chars = w.chars();
        let (first, last) = match (chars.next(), chars.next_back()) {
            (Some(f), Some(l)) => (f, l),
            _ => {
                // one code point
                emit(w);
                continue;
            }
        };
        if is_punct(last) {
            let cut = w.len() - last.len_utf8();
            emit(&w[..cut]);
            emit(&w[cut..]);
        } else if is_punct(first) {
            let cut = first.len_utf8();
            emit(&w[..cut]);
            emit(&w[cut..]);
        } else {
            emit(w);
        }
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

/// Per-thread buffers reused across segments (cleared, never shrunk).
#[derive(Default)]
struct ChrfScratch {
    chars: NgramEngine,
    words: NgramEngine,
    interner: SpanInterner,
    other: FxHashMap<u32, u32>,
    char_matches: Vec<i64>,
    word_matches: Vec<i64>,
    stats: Vec<i64>,
}

thread_local! {
    static CHRF_SCRATCH: RefCell<ChrfScratch> = RefCell::new(ChrfScratch::default());
}

/// Appends the dense ids of the characters of `text` (sacrebleu `extract_all_char_ngrams`:
/// `''.join(line.split())` unless `whitespace`) to `seq`.
fn push_chars(
    text: &str,
    whitespace: bool,
    ascii: &mut [u32; 128],
    other: &mut FxHashMap<u32, u32>,
    next: &mut u32,
    seq: &mut Vec<u32>,
) {
    let mut id_of = |c: u32, ascii: &mut [u32; 128]| {
        let slot = if c < 128 {
            &mut ascii[c as usize]
        } else {
            other.entry(c).or_insert(u32::MAX)
        };
        if *slot == u32::MAX {
            *slot = *next;
            *next += 1;
        }
        *slot
    };
    if text.is_ascii() {
        // Branch free over the whitespace: every byte is written, a skipped one is overwritten
        // (a whitespace byte may get an id no position uses, which changes no count).
        let b = text.as_bytes();
        let mut k = seq.len();
        seq.resize(k + b.len(), 0);
        for &c in b {
            let slot = &mut ascii[usize::from(c)];
            if *slot == u32::MAX {
                *slot = *next;
                *next += 1;
            }
            seq[k] = *slot;
            k += usize::from(whitespace || !matches!(c, 0x09..=0x0D | 0x1C..=0x20));
        }
        seq.truncate(k);
    } else {
        for c in text.chars() {
            if whitespace || !is_py_space(c) {
                seq.push(id_of(c as u32, ascii));
            }
        }
    }
}

/// Writes the statistics of one segment (of its best reference) into `out` and returns that
/// reference's F score. `refs` must not be empty.
pub fn segment_stats(cfg: &ChrfConfig, hyp: &str, refs: &[&str], out: &mut [i64]) -> f64 {
    CHRF_SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => segment_stats_with(cfg, hyp, refs, out, &mut sc),
        Err(_) => segment_stats_with(cfg, hyp, refs, out, &mut ChrfScratch::default()),
    })
}

fn segment_stats_with(
    cfg: &ChrfConfig,
    hyp: &str,
    refs: &[&str],
    out: &mut [i64],
    sc: &mut ChrfScratch,
) -> f64 {
    let ChrfScratch {
        chars,
        words: word_engine,
        interner,
        other,
        char_matches,
        word_matches,
        stats,
    } = sc;
    let mut ascii = [u32::MAX; 128];
    other.clear();
    let mut next = 0u32;
    chars.clear();
    word_engine.clear();
    interner.clear();
    for line in std::iter::once(hyp).chain(refs.iter().copied()) {
        let lowered;
        let text: &str = if cfg.lowercase {
            lowered = py_lower(line);
            &lowered
        } else {
            line
        };
        push_chars(
            text,
            cfg.whitespace,
            &mut ascii,
            other,
            &mut next,
            &mut chars.seq,
        );
        chars.end_side();
        if cfg.word_order > 0 {
            let base = interner.text.len();
            interner.text.extend_from_slice(text.as_bytes());
            words(text, |w| interner.push_sub(text, base, w));
            word_engine.sides.push(interner.spans.len());
        }
    }
    let n_refs = refs.len();
    chars.per_ref_matches(next as usize, cfg.char_order, char_matches);
    if cfg.word_order > 0 {
        let vocab = interner.intern(&mut word_engine.seq);
        word_engine.per_ref_matches(vocab, cfg.word_order, word_matches);
    }

    let len = |e: &NgramEngine, k: usize| e.sides[k + 1] - e.sides[k];
    stats.clear();
    stats.resize(cfg.n_stats(), 0);
    let mut best_f = -1.0f64;
    for k in 0..n_refs {
        for o in 0..cfg.order() {
            let (e, m, n, width) = if o < cfg.char_order {
                (&*chars, &*char_matches, o + 1, cfg.char_order)
            } else {
                (
                    &*word_engine,
                    &*word_matches,
                    o + 1 - cfg.char_order,
                    cfg.word_order,
                )
            };
            let hyp_total = ngram_total(len(e, 0), n) as i64;
            let ref_total = ngram_total(len(e, k + 1), n) as i64;
            // sacrebleu: "Don't count hits if no reference exists for that n-gram".
            stats[3 * o] = if ref_total > 0 { hyp_total } else { 0 };
            stats[3 * o + 1] = ref_total;
            stats[3 * o + 2] = m[k * width + n - 1];
        }
        let f = f_score(cfg, stats);
        // Strictly greater: the first reference wins ties (chrf.py `_compute_segment_statistics`).
        if f > best_f {
            best_f = f;
            out.copy_from_slice(stats);
        }
    }
    best_f
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
        words("(hi) a. ,b x ..", |w| v.push(w));
        assert_eq!(v, ["(hi", ")", "a", ".", ",", "b", "x", ".", "."]);
    }

    use crate::reference::chrf::segment_stats as oracle;

    const ALPHABET: &str = "[ab1.,!( \t\u{a0}\u{3000}é中ΣA]{0,30}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(3000)))]
        #[test]
        fn matches_oracle(
            hyp in ALPHABET,
            refs in proptest::collection::vec(ALPHABET, 1..4),
            c in 0usize..7,
            w in 0usize..3,
            lc in proptest::prelude::any::<bool>(),
            ws in proptest::prelude::any::<bool>(),
        ) {
            proptest::prop_assume!(c + w > 0);
            let cfg = ChrfConfig::new(c, w, 2.0, lc, ws, false).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            let mut out = vec![0i64; cfg.n_stats()];
            let f = segment_stats(&cfg, &hyp, &refs, &mut out);
            let (want, wf) = oracle(&cfg, &hyp, &refs);
            proptest::prop_assert_eq!(out, want);
            proptest::prop_assert_eq!(f.to_bits(), wf.to_bits());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(100)))]
        #[test]
        fn fuzz_chrf_matches_oracle(
            hyp in crate::fuzz::fuzz_text(),
            refs in proptest::collection::vec(crate::fuzz::fuzz_text(), 1..4),
            c in proptest::prop_oneof![0usize..7, 7usize..=crate::ngram::MAX_ORDER],
            w in 0usize..4,
            lc in proptest::prelude::any::<bool>(),
            ws in proptest::prelude::any::<bool>(),
            eps in proptest::prelude::any::<bool>(),
        ) {
            proptest::prop_assume!(c + w > 0);
            let cfg = ChrfConfig::new(c, w, 2.0, lc, ws, eps).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            let mut out = vec![0i64; cfg.n_stats()];
            let f = segment_stats(&cfg, &hyp, &refs, &mut out);
            let (want, wf) = oracle(&cfg, &hyp, &refs);
            proptest::prop_assert_eq!(out, want);
            proptest::prop_assert_eq!(f.to_bits(), wf.to_bits());
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_words_match_general(s in "[ab.,!(\\- \t\n\u{1c}\u{1f}\u{0}\u{8}\u{e}\u{1b}!\u{7f}]{0,40}") {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            words(&s, |w| fast.push(w));
            words_general(&s, |w| general.push(w));
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn long_segments_use_the_hash_table_path() {
        let hyp: String = (0..4000)
            .map(|i| char::from_u32(0x4e00 + (i * 31) % 1500).unwrap())
            .collect();
        let r: String = (0..4000)
            .map(|i| char::from_u32(0x4e00 + (i * 17) % 1400).unwrap())
            .collect();
        let cfg = ChrfConfig::new(6, 2, 2.0, false, false, false).unwrap();
        let mut out = vec![0i64; cfg.n_stats()];
        segment_stats(&cfg, &hyp, &[&r, &hyp], &mut out);
        assert_eq!(out, oracle(&cfg, &hyp, &[&r, &hyp]).0);
        segment_stats(&cfg, &hyp, &[&r], &mut out);
        assert_eq!(out, oracle(&cfg, &hyp, &[&r]).0);
    }
}
