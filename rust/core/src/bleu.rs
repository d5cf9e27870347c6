//! BLEU exactly as sacrebleu 2.6 computes it (`metrics/bleu.py`): per-segment sufficient statistics
//! `[sys_len, ref_len, correct_1..n, total_1..n]`, summed over a corpus, then `compute_bleu`.

use crate::error::{MetricError, Result};
use crate::ngram::{check_order, ngram_total, NgramEngine, SpanInterner};
use crate::pystr::{py_lower, py_rstrip, py_split};
use crate::sacre_tokenize::{rewrite_13a, spans_13a, Tokenizer};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

/// sacrebleu `MAX_NGRAM_ORDER`.
pub const DEFAULT_MAX_NGRAM_ORDER: usize = 4;

/// sacrebleu `my_log(0.0)`: the floor that makes `exp` underflow to exactly 0.0.
const MY_LOG_ZERO: f64 = -9_999_999_999.0;

/// Whether Python's `sum()` of floats is Neumaier-compensated (CPython >= 3.12); sacrebleu sums
/// the log precisions with it, so the binding sets this from the running interpreter at import.
static PY_SUM_COMPENSATED: AtomicBool = AtomicBool::new(false);

/// Match the float `sum()` of the interpreter in this process (`true` for CPython >= 3.12).
pub fn set_python_sum_compensated(compensated: bool) {
    PY_SUM_COMPENSATED.store(compensated, Ordering::Relaxed);
}

/// CPython's `sum(xs)` of floats from 0: left to right, or with 3.12's Neumaier compensation
/// (bltinmodule.c `builtin_sum_impl`, including its final `if (c && isfinite(c))`).
fn python_float_sum(xs: impl Iterator<Item = f64>, compensated: bool) -> f64 {
    if !compensated {
        return xs.fold(0.0, |acc, x| acc + x);
    }
    let (mut f, mut c) = (0.0f64, 0.0f64);
    for x in xs {
        let t = f + x;
        c += if f.abs() >= x.abs() {
            (f - t) + x
        } else {
            (x - t) + f
        };
        f = t;
    }
    if c != 0.0 && c.is_finite() {
        f += c;
    }
    f
}

/// A sacrebleu smoothing method (`smooth_method=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smooth {
    None,
    Floor,
    AddK,
    Exp,
}

impl Smooth {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Self::None),
            "floor" => Ok(Self::Floor),
            "add-k" => Ok(Self::AddK),
            "exp" => Ok(Self::Exp),
            _ => Err(MetricError::value(format!(
                "unknown smooth_method={name:?}; expected one of 'exp', 'floor', 'add-k', 'none'"
            ))),
        }
    }

    /// sacrebleu `BLEU.SMOOTH_DEFAULTS` (floor 0.1, add-k 1, others take no value).
    pub fn default_value(self) -> Option<f64> {
        match self {
            Self::Floor => Some(0.1),
            Self::AddK => Some(1.0),
            Self::None | Self::Exp => None,
        }
    }
}

/// What changes the statistics of a segment.
#[derive(Debug, Clone, Copy)]
pub struct BleuConfig {
    pub tokenizer: Tokenizer,
    pub lowercase: bool,
    pub max_order: usize,
}

impl BleuConfig {
    pub fn new(tokenize: &str, lowercase: bool, max_order: usize) -> Result<Self> {
        check_order("max_ngram_order", max_order, 1)?;
        Ok(Self {
            tokenizer: Tokenizer::parse(tokenize)?,
            lowercase,
            max_order,
        })
    }

    /// Length of one statistics vector: `2 + 2 * max_order`.
    pub fn n_stats(&self) -> usize {
        2 + 2 * self.max_order
    }
}

/// How the statistics become a score.
#[derive(Debug, Clone, Copy)]
pub struct BleuScoring {
    pub smooth: Smooth,
    /// The smoothing value already resolved against the defaults (unused by `exp`/`none`).
    pub smooth_value: f64,
    pub effective_order: bool,
    pub max_order: usize,
}

impl BleuScoring {
    pub fn new(
        smooth_method: &str,
        smooth_value: Option<f64>,
        effective_order: bool,
        max_order: usize,
    ) -> Result<Self> {
        check_order("max_ngram_order", max_order, 1)?;
        let smooth = Smooth::parse(smooth_method)?;
        // sacrebleu turns a negative floor into a math domain error and NaN into a NaN score;
        // no smoothing value outside [0, inf) means anything.
        if let Some(v) = smooth_value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(MetricError::value(format!(
                    "smooth_value must be a finite number >= 0, got {v}"
                )));
            }
        }
        let smooth_value = smooth_value.or(smooth.default_value()).unwrap_or(0.0);
        Ok(Self {
            smooth,
            smooth_value,
            effective_order,
            max_order,
        })
    }
}

/// sacrebleu `_get_closest_ref_len`: the closest reference length, ties go to the shorter.
pub fn closest_ref_len(hyp_len: usize, ref_lens: impl IntoIterator<Item = usize>) -> i64 {
    let mut best: Option<(usize, usize)> = None; // (diff, len)
    for r in ref_lens {
        let diff = hyp_len.abs_diff(r);
        best = match best {
            None => Some((diff, r)),
            Some((d, _)) if diff < d => Some((diff, r)),
            Some((d, l)) if diff == d && r < l => Some((d, r)),
            keep => keep,
        };
    }
    best.map_or(-1, |(_, l)| l as i64)
}

/// Per-thread buffers reused across segments (cleared, never shrunk).
#[derive(Default)]
struct BleuScratch {
    interner: SpanInterner,
    tmp: String,
    line_ends: Vec<usize>,
    engine: NgramEngine,
}

thread_local! {
    static BLEU_SCRATCH: RefCell<BleuScratch> = RefCell::new(BleuScratch::default());
}

/// sacrebleu `BLEU._preprocess_segment` then `split()`: appends the tokens of `line` as spans.
fn push_tokens(cfg: &BleuConfig, line: &str, it: &mut SpanInterner, tmp: &mut String) {
    let lowered;
    let line = if cfg.lowercase {
        lowered = py_lower(line);
        &*lowered
    } else {
        line
    };
    let line = py_rstrip(line);
    let base = it.text.len();
    if cfg.tokenizer == Tokenizer::Thirteen {
        let first = it.spans.len();
        it.text.extend_from_slice(line.as_bytes());
        let mut found = spans_13a(&it.text[base..], base, &mut it.spans);
        if found.rewrite {
            // The scan saw a byte 13a's replacements look at: tokenize the rewritten line instead.
            it.text.truncate(base);
            it.spans.truncate(first);
            it.text.extend_from_slice(rewrite_13a(line).as_bytes());
            found = spans_13a(&it.text[base..], base, &mut it.spans);
        }
        if found.non_ascii {
            // Non-ASCII: split the spans again at Unicode whitespace (str.split()).
            let raw: Vec<(usize, usize)> = it.spans.drain(first..).collect();
            for (a, b) in raw {
                match std::str::from_utf8(&it.text[a..b]) {
                    Ok(tok) => {
                        for piece in py_split(tok) {
                            let off = piece.as_ptr() as usize - tok.as_ptr() as usize;
                            it.spans.push((a + off, a + off + piece.len()));
                        }
                    }
                    Err(_) => it.spans.push((a, b)),
                }
            }
        }
    } else {
        cfg.tokenizer.tokenize(line, tmp);
        it.text.extend_from_slice(tmp.as_bytes());
        for tok in py_split(tmp) {
            it.push_sub(tmp, base, tok);
        }
    }
}

/// Writes the statistics of one segment (`out.len() == cfg.n_stats()`).
/// `refs` must not be empty (sacrebleu fails on a segment without references).
pub fn segment_stats(cfg: &BleuConfig, hyp: &str, refs: &[&str], out: &mut [i64]) {
    BLEU_SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => segment_stats_with(cfg, hyp, refs, out, &mut sc),
        Err(_) => segment_stats_with(cfg, hyp, refs, out, &mut BleuScratch::default()),
    })
}

fn segment_stats_with(
    cfg: &BleuConfig,
    hyp: &str,
    refs: &[&str],
    out: &mut [i64],
    sc: &mut BleuScratch,
) {
    let n_max = cfg.max_order;
    let BleuScratch {
        interner,
        tmp,
        line_ends,
        engine,
    } = sc;
    interner.clear();
    line_ends.clear();
    for line in std::iter::once(hyp).chain(refs.iter().copied()) {
        push_tokens(cfg, line, interner, tmp);
        line_ends.push(interner.spans.len());
    }
    engine.clear();
    let vocab = interner.intern(&mut engine.seq);
    engine.sides.extend_from_slice(line_ends);

    let hyp_len = line_ends[0];
    out[0] = hyp_len as i64;
    out[1] = closest_ref_len(hyp_len, line_ends.windows(2).map(|w| w[1] - w[0]));
    for n in 1..=n_max {
        out[1 + n + n_max] = ngram_total(hyp_len, n) as i64;
    }
    engine.max_ref_matches(vocab, &mut out[2..2 + n_max]);
}

/// The outcome of sacrebleu `BLEU.compute_bleu`.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    pub score: f64,
    /// `correct` after sacrebleu's smoothing touched it (add-k adds k to orders > 1).
    pub counts: Vec<f64>,
    pub totals: Vec<f64>,
    pub precisions: Vec<f64>,
    pub bp: f64,
    pub sys_len: i64,
    pub ref_len: i64,
}

/// sacrebleu `BLEU.compute_bleu`, same operations in the same order (bleu.py L212-293).
/// `stats` is one (summed) vector `[sys_len, ref_len, correct_1..n, total_1..n]`.
pub fn compute_bleu(stats: &[i64], sc: &BleuScoring) -> Result<BleuScore> {
    let n_max = sc.max_order;
    if stats.len() != 2 + 2 * n_max {
        return Err(MetricError::value(format!(
            "BLEU statistics must have 2 + 2 * max_ngram_order = {} values, got {}",
            2 + 2 * n_max,
            stats.len()
        )));
    }
    let (sys_len, ref_len) = (stats[0], stats[1]);
    let mut correct: Vec<f64> = stats[2..2 + n_max].iter().map(|&c| c as f64).collect();
    let mut total: Vec<f64> = stats[2 + n_max..].iter().map(|&t| t as f64).collect();

    let mut bp = 1.0;
    if sys_len < ref_len {
        bp = if sys_len > 0 {
            (1.0 - ref_len as f64 / sys_len as f64).exp()
        } else {
            0.0
        };
    }
    let mut precisions = vec![0.0f64; n_max];

    // Early stop if there are no matches (sacrebleu #141).
    if stats[2..2 + n_max].iter().all(|&c| c == 0) {
        return Ok(BleuScore {
            score: 0.0,
            counts: correct,
            totals: total,
            precisions,
            bp,
            sys_len,
            ref_len,
        });
    }

    let k = sc.smooth_value;
    let mut smooth_mteval = 1.0f64;
    let mut eff_order = n_max;
    for n in 1..=n_max {
        let i = n - 1;
        if sc.smooth == Smooth::AddK && n > 1 {
            // sacrebleu adds k even to orders the hypothesis does not have.
            correct[i] += k;
            total[i] += k;
        }
        if total[i] == 0.0 {
            break;
        }
        if sc.effective_order {
            eff_order = n;
        }
        if correct[i] == 0.0 {
            match sc.smooth {
                Smooth::Exp => {
                    smooth_mteval *= 2.0;
                    precisions[i] = 100.0 / (smooth_mteval * total[i]);
                }
                Smooth::Floor => precisions[i] = 100.0 * k / total[i],
                Smooth::None | Smooth::AddK => {}
            }
        } else {
            precisions[i] = 100.0 * correct[i] / total[i];
        }
    }

    let log_sum = python_float_sum(
        precisions[..eff_order]
            .iter()
            .map(|&p| if p == 0.0 { MY_LOG_ZERO } else { p.ln() }),
        PY_SUM_COMPENSATED.load(Ordering::Relaxed),
    );
    let score = bp * (log_sum / eff_order as f64).exp();
    Ok(BleuScore {
        score,
        counts: correct,
        totals: total,
        precisions,
        bp,
        sys_len,
        ref_len,
    })
}

/// Sentence BLEU of one segment: its own statistics through `compute_bleu`.
pub fn sentence_bleu(cfg: &BleuConfig, sc: &BleuScoring, hyp: &str, refs: &[&str]) -> Result<f64> {
    let mut stats = vec![0i64; cfg.n_stats()];
    segment_stats(cfg, hyp, refs, &mut stats);
    Ok(compute_bleu(&stats, sc)?.score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(tok: &str, hyp: &str, refs: &[&str]) -> Vec<i64> {
        let cfg = BleuConfig::new(tok, false, 4).unwrap();
        let mut out = vec![0; cfg.n_stats()];
        segment_stats(&cfg, hyp, refs, &mut out);
        out
    }

    fn score(stats: &[i64], smooth: &str, value: Option<f64>, eff: bool) -> f64 {
        compute_bleu(stats, &BleuScoring::new(smooth, value, eff, 4).unwrap())
            .unwrap()
            .score
    }

    #[test]
    fn python_float_sum_matches_cpython() {
        // sum([1e16, 1.0, -1e16]) and the log precisions of one pair: 3.11 vs 3.12/3.13 results.
        let xs = [1e16, 1.0, -1e16];
        assert_eq!(python_float_sum(xs.into_iter(), false), 0.0);
        assert_eq!(python_float_sum(xs.into_iter(), true), 1.0);
        let p = [
            52.0f64,
            21.73913043478261,
            9.090909090909092,
            2.380952380952381,
        ];
        let logs = || p.iter().map(|x| x.ln());
        assert_eq!(python_float_sum(logs(), false), 10.105133081968916);
        assert_eq!(python_float_sum(logs(), true), 10.105133081968914);
    }

    #[test]
    fn sacrebleu_vectors() {
        // research note section 3.4/3.5 and sacrebleu test_bleu.py
        let s = stats("none", "a b c", &["a b d"]);
        assert_eq!(score(&s, "exp", None, false), 0.0);
        assert_eq!(score(&s, "exp", None, true), 55.03212081491043);
        assert_eq!(score(&s, "floor", None, true), 32.182979486854336);
        assert_eq!(score(&s, "add-k", None, true), 68.65890479690394);
        assert_eq!(score(&s, "none", None, true), 0.0);
        let s = stats(
            "13a",
            "the cat sat on the mat. It was happy.",
            &["the cat\tsat\non the mat.\nIt was happy."],
        );
        assert_eq!(score(&s, "exp", None, false), 100.00000000000004);
        let s = stats(
            "13a",
            "am I am a character sequence",
            &["I am a symbol string sequence a a"],
        );
        assert_eq!(&s[2..], &[4, 2, 1, 0, 6, 5, 4, 3]);
    }

    #[test]
    fn closest_ties_shorter() {
        assert_eq!(closest_ref_len(5, [7, 3]), 3);
        assert_eq!(closest_ref_len(5, [3, 7]), 3);
        assert_eq!(closest_ref_len(5, [6, 4, 5]), 5);
    }

    use crate::reference::bleu::segment_stats as oracle;

    fn fast(cfg: &BleuConfig, hyp: &str, refs: &[&str]) -> Vec<i64> {
        let mut out = vec![0i64; cfg.n_stats()];
        segment_stats(cfg, hyp, refs, &mut out);
        out
    }

    // Characters that exercise every 13a rule, whitespace kinds and non-ASCII letters/spaces.
    // The second alternative: 13a's replacements (entities, `<skipped>`, line breaks).
    const ALPHABET: &str = "[ab1.,\\-&<;:'\"( \t\n\u{a0}\u{3000}\u{1c}é中ΣA]{0,24}|(&quot;|&amp;|&lt;|&gt;|&|<|<skipped>|-\n|\n|a|1|\\.|,| |-){0,10}";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(3000)))]
        #[test]
        fn matches_oracle(
            hyp in ALPHABET,
            refs in proptest::collection::vec(ALPHABET, 1..4),
            tok in 0usize..5,
            lc in proptest::prelude::any::<bool>(),
            order in 1usize..6,
        ) {
            let name = ["13a", "intl", "zh", "char", "none"][tok];
            let cfg = BleuConfig::new(name, lc, order).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(fast(&cfg, &hyp, &refs), oracle(&cfg, &hyp, &refs));
        }

    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(100)))]
        #[test]
        fn fuzz_bleu_matches_oracle(
            hyp in crate::fuzz::fuzz_text(),
            refs in proptest::collection::vec(crate::fuzz::fuzz_text(), 1..4),
            tok in 0usize..5,
            lc in proptest::prelude::any::<bool>(),
            order in proptest::prop_oneof![1usize..7, 7usize..=crate::ngram::MAX_ORDER],
        ) {
            let cfg = BleuConfig::new(crate::fuzz::TOKENIZERS[tok], lc, order).unwrap();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            let stats = fast(&cfg, &hyp, &refs);
            proptest::prop_assert_eq!(&stats, &oracle(&cfg, &hyp, &refs));
            for sm in ["exp", "floor", "add-k", "none"] {
                let sc = BleuScoring::new(sm, None, true, order).unwrap();
                let s = compute_bleu(&stats, &sc).unwrap().score;
                // exp(ln(100)) may land one ulp above 100, as in sacrebleu.
                proptest::prop_assert!(s.is_finite() && (0.0..=100.0 + 1e-9).contains(&s), "{} {}", sm, s);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz::cases(3000)))]
        #[test]
        fn thirteen_a_spans_match_regexes(
            line in "[ab1.,\\-&<;\"( \t\n\u{a0}é]{0,40}|.{0,30}|(&quot;|&amp;|&lt;|&gt;|&|<|<skipped>|-\n|\n|a|1|\\.|,| |-|é){0,16}|([a-zA-Z'\u{1}\u{7f}]{0,19}[ .,\\-1&é]{0,2}){0,8}"
        ) {
            let cfg = BleuConfig::new("13a", false, 4).unwrap();
            let mut it = SpanInterner::default();
            let mut tmp = String::new();
            push_tokens(&cfg, &line, &mut it, &mut tmp);
            let got: Vec<&[u8]> = it.spans.iter().map(|&(a, b)| &it.text[a..b]).collect();
            let want = Tokenizer::Thirteen.tokenize_joined(&line, false);
            let want: Vec<&[u8]> = py_split(&want).map(str::as_bytes).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn long_segments_use_the_hash_table_path() {
        // 3000 distinct tokens: grams * vocabulary exceeds DENSE_LIMIT at order 2.
        let hyp: Vec<String> = (0..3000).map(|i| format!("w{}", i % 2900)).collect();
        let r: Vec<String> = (0..3000).map(|i| format!("w{}", (i * 7) % 2950)).collect();
        let (hyp, r) = (hyp.join(" "), r.join(" "));
        let cfg = BleuConfig::new("13a", false, 4).unwrap();
        assert_eq!(
            fast(&cfg, &hyp, &[&r, &hyp]),
            oracle(&cfg, &hyp, &[&r, &hyp])
        );
        assert_eq!(fast(&cfg, &hyp, &[&r]), oracle(&cfg, &hyp, &[&r]));
    }
}
