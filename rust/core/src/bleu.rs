//! BLEU exactly as sacrebleu 2.6 computes it (`metrics/bleu.py`): per-segment sufficient statistics
//! `[sys_len, ref_len, correct_1..n, total_1..n]`, summed over a corpus, then `compute_bleu`.

use crate::error::{MetricError, Result};
use rustc_hash::FxHashMap;

use crate::ngram::{clipped_overlap, count_ngrams, ngram_total, NgramCounts};
use crate::pystr::py_split;
use crate::sacre_tokenize::Tokenizer;

/// sacrebleu `MAX_NGRAM_ORDER`.
pub const DEFAULT_MAX_NGRAM_ORDER: usize = 4;

/// sacrebleu `my_log(0.0)`: the floor that makes `exp` underflow to exactly 0.0.
const MY_LOG_ZERO: f64 = -9_999_999_999.0;

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
        if max_order == 0 {
            return Err(MetricError::value("max_ngram_order must be >= 1"));
        }
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
        if max_order == 0 {
            return Err(MetricError::value("max_ngram_order must be >= 1"));
        }
        let smooth = Smooth::parse(smooth_method)?;
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

/// The ids of the Python-whitespace tokens of `buf`, numbering new tokens densely.
fn ids_of<'a>(vocab: &mut FxHashMap<&'a str, u32>, buf: &'a str) -> Vec<u32> {
    py_split(buf)
        .map(|t| {
            let next = vocab.len() as u32;
            *vocab.entry(t).or_insert(next)
        })
        .collect()
}

/// Writes the statistics of one segment (`out.len() == cfg.n_stats()`).
/// `refs` must not be empty (sacrebleu fails on a segment without references).
pub fn segment_stats(cfg: &BleuConfig, hyp: &str, refs: &[&str], out: &mut [i64]) {
    let n_max = cfg.max_order;
    let mut hyp_buf = String::new();
    cfg.tokenizer.preprocess(hyp, cfg.lowercase, &mut hyp_buf);
    let ref_bufs: Vec<String> = refs
        .iter()
        .map(|r| {
            let mut b = String::new();
            cfg.tokenizer.preprocess(r, cfg.lowercase, &mut b);
            b
        })
        .collect();

    // Token ids shared by hypothesis and references (presized: most tokens are distinct).
    let cap = hyp_buf.len() / 4 + ref_bufs.iter().map(|b| b.len() / 4).sum::<usize>();
    let mut vocab: FxHashMap<&str, u32> =
        FxHashMap::with_capacity_and_hasher(cap, Default::default());
    let hyp_ids = ids_of(&mut vocab, &hyp_buf);
    let ref_ids: Vec<Vec<u32>> = ref_bufs.iter().map(|b| ids_of(&mut vocab, b)).collect();
    let vocab_len = vocab.len();

    let hyp_len = hyp_ids.len();
    out[0] = hyp_len as i64;
    out[1] = closest_ref_len(hyp_len, ref_ids.iter().map(Vec::len));

    // Exact packed keys when every n-gram fits in 64 bits (almost always); else slice hashing.
    let bits = id_bits(vocab_len);
    if bits as usize * n_max <= 64 {
        let mut hk = Vec::with_capacity(hyp_len);
        let mut rks: Vec<Vec<u64>> = vec![Vec::new(); ref_ids.len()];
        let mut best = Vec::new();
        for n in 1..=n_max {
            out[1 + n + n_max] = ngram_total(hyp_len, n) as i64;
            packed_sorted_ngrams(&hyp_ids, n, bits, &mut hk);
            if hk.is_empty() {
                out[1 + n] = 0;
                continue;
            }
            for (ids, rk) in ref_ids.iter().zip(rks.iter_mut()) {
                packed_sorted_ngrams(ids, n, bits, rk);
            }
            out[1 + n] = if let [only] = rks.as_slice() {
                sorted_clipped_overlap(&hk, only)
            } else {
                sorted_clipped_overlap_max(&hk, &rks, &mut best)
            } as i64;
        }
        return;
    }

    let mut hyp_counts = NgramCounts::default();
    let mut ref_counts = NgramCounts::default();
    let mut merged = NgramCounts::default();
    for n in 1..=n_max {
        out[1 + n + n_max] = ngram_total(hyp_len, n) as i64;
        count_ngrams(&hyp_ids, n, &mut hyp_counts);
        let correct = if hyp_counts.is_empty() {
            0
        } else if let [only] = ref_ids.as_slice() {
            count_ngrams(only, n, &mut ref_counts);
            clipped_overlap(&hyp_counts, &ref_counts)
        } else {
            // sacrebleu merges reference counts with max over references (bleu.py L363-370).
            merged.clear();
            for ids in &ref_ids {
                count_ngrams(ids, n, &mut ref_counts);
                for (g, &c) in ref_counts.iter() {
                    if hyp_counts.contains_key(g) {
                        let e = merged.entry(g).or_insert(0);
                        *e = (*e).max(c);
                    }
                }
            }
            clipped_overlap(&hyp_counts, &merged)
        };
        out[1 + n] = correct as i64;
    }
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

    let log_sum = precisions[..eff_order]
        .iter()
        .map(|&p| if p == 0.0 { MY_LOG_ZERO } else { p.ln() })
        .fold(0.0f64, |acc, x| acc + x);
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

/// Bits needed to store ids `0..count` (at least 1).
pub fn id_bits(count: usize) -> u32 {
    (usize::BITS - count.saturating_sub(1).leading_zeros()).max(1)
}

/// The `n`-grams of `ids` packed exactly into `u64` keys (`n * bits <= 64`), sorted.
pub fn packed_sorted_ngrams(ids: &[u32], n: usize, bits: u32, out: &mut Vec<u64>) {
    out.clear();
    if n == 0 || ids.len() < n {
        return;
    }
    out.extend(
        ids.windows(n)
            .map(|w| w.iter().fold(0u64, |k, &x| (k << bits) | u64::from(x))),
    );
    out.sort_unstable();
}

/// `sum_g min(count_a(g), count_b(g))` over two sorted key lists.
pub fn sorted_clipped_overlap(a: &[u64], b: &[u64]) -> u64 {
    let (mut i, mut j, mut total) = (0usize, 0usize, 0u64);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x < y {
            i += 1;
        } else if y < x {
            j += 1;
        } else {
            let i0 = i;
            while i < a.len() && a[i] == x {
                i += 1;
            }
            let j0 = j;
            while j < b.len() && b[j] == x {
                j += 1;
            }
            total += (i - i0).min(j - j0) as u64;
        }
    }
    total
}

/// Clipped overlap of sorted `hyp` keys against the max count over several sorted reference lists.
fn sorted_clipped_overlap_max(hyp: &[u64], refs: &[Vec<u64>], best: &mut Vec<u32>) -> u64 {
    // runs of hyp: (start, end) implied by scanning; best[r] = max reference count of run r
    best.clear();
    let mut i = 0;
    while i < hyp.len() {
        let x = hyp[i];
        while i < hyp.len() && hyp[i] == x {
            i += 1;
        }
        best.push(0);
    }
    for r in refs {
        let (mut i, mut j, mut run) = (0usize, 0usize, 0usize);
        while i < hyp.len() {
            let x = hyp[i];
            while j < r.len() && r[j] < x {
                j += 1;
            }
            let j0 = j;
            while j < r.len() && r[j] == x {
                j += 1;
            }
            best[run] = best[run].max((j - j0) as u32);
            while i < hyp.len() && hyp[i] == x {
                i += 1;
            }
            run += 1;
        }
    }
    let (mut i, mut run, mut total) = (0usize, 0usize, 0u64);
    while i < hyp.len() {
        let x = hyp[i];
        let i0 = i;
        while i < hyp.len() && hyp[i] == x {
            i += 1;
        }
        total += ((i - i0) as u64).min(u64::from(best[run]));
        run += 1;
    }
    total
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
}
