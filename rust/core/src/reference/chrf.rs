//! sacrebleu's chrF statistics with string-keyed counters, the oracle of `crate::chrf::segment_stats`.

use crate::chrf::{f_score, words_general, ChrfConfig};
use crate::ngram::ngram_total;
use crate::pystr::{is_py_space, py_lower};

/// sacrebleu's algorithm with string-keyed counters (chrf.py / helpers.py), per reference.
pub fn segment_stats(cfg: &ChrfConfig, hyp: &str, refs: &[&str]) -> (Vec<i64>, f64) {
    use std::collections::HashMap;
    fn count(items: &[String], n: usize) -> HashMap<Vec<String>, i64> {
        let mut m = HashMap::new();
        for w in items.windows(n) {
            *m.entry(w.to_vec()).or_insert(0) += 1;
        }
        m
    }
    let prep = |s: &str| -> (Vec<String>, Vec<String>) {
        let s = if cfg.lowercase {
            py_lower(s).into_owned()
        } else {
            s.to_owned()
        };
        let chars = s
            .chars()
            .filter(|&c| cfg.whitespace || !is_py_space(c))
            .map(String::from)
            .collect();
        let mut ws = Vec::new();
        words_general(&s, |w| ws.push(w.to_owned()));
        (chars, ws)
    };
    let (hc, hw) = prep(hyp);
    let mut best = (vec![], -1.0);
    for r in refs {
        let (rc, rw) = prep(r);
        let mut stats = Vec::new();
        for o in 0..cfg.order() {
            let (h, r, n) = if o < cfg.char_order {
                (&hc, &rc, o + 1)
            } else {
                (&hw, &rw, o + 1 - cfg.char_order)
            };
            let (hm, rm) = (count(h, n), count(r, n));
            let m: i64 = hm
                .iter()
                .map(|(g, &c)| c.min(rm.get(g).copied().unwrap_or(0)))
                .sum();
            let rt = ngram_total(r.len(), n) as i64;
            stats.extend([
                if rt > 0 {
                    ngram_total(h.len(), n) as i64
                } else {
                    0
                },
                rt,
                m,
            ]);
        }
        let f = f_score(cfg, &stats);
        if f > best.1 {
            best = (stats, f);
        }
    }
    best
}
