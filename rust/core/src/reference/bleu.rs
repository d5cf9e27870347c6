//! sacrebleu's BLEU statistics the plain way, the oracle of `crate::bleu::segment_stats`.

use crate::bleu::{closest_ref_len, BleuConfig};
use crate::ngram::ngram_total;
use crate::pystr::py_split;

/// The straightforward statistics: regex-faithful tokenizer, `str.split()`, n-gram counts
/// keyed by token slices, clipped against the max over references (sacrebleu's algorithm).
pub fn segment_stats(cfg: &BleuConfig, hyp: &str, refs: &[&str]) -> Vec<i64> {
    use std::collections::HashMap;
    let toks = |s: &str| -> Vec<String> {
        let mut buf = String::new();
        cfg.tokenizer.preprocess(s, cfg.lowercase, &mut buf);
        py_split(&buf).map(str::to_owned).collect()
    };
    let counts = |t: &[String], n: usize| {
        let mut m: HashMap<Vec<String>, i64> = HashMap::new();
        for w in t.windows(n) {
            *m.entry(w.to_vec()).or_default() += 1;
        }
        m
    };
    let h = toks(hyp);
    let rs: Vec<Vec<String>> = refs.iter().map(|r| toks(r)).collect();
    let n_max = cfg.max_order;
    let mut out = vec![0i64; cfg.n_stats()];
    out[0] = h.len() as i64;
    out[1] = closest_ref_len(h.len(), rs.iter().map(Vec::len));
    for n in 1..=n_max {
        let hc = counts(&h, n);
        let mut best: HashMap<Vec<String>, i64> = HashMap::new();
        for r in &rs {
            for (g, c) in counts(r, n) {
                let e = best.entry(g).or_default();
                *e = (*e).max(c);
            }
        }
        out[1 + n] = hc
            .iter()
            .map(|(g, &c)| c.min(best.get(g).copied().unwrap_or(0)))
            .sum();
        out[1 + n + n_max] = ngram_total(h.len(), n) as i64;
    }
    out
}
