//! Batch scoring per metric: many pairs at once on the `crate::parallel` scheduler (parallel,
//! panic-safe, stoppable). The Python binding calls these; a Rust user or bench can too.

pub mod bleu;
pub mod chrf;
pub mod pairwise;
pub mod rouge;
pub mod ter;

/// The input of a batch: hypothesis `i` and its references, borrowed (no copies).
pub trait Corpus: Sync {
    /// Number of pairs.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Hypothesis (prediction) `i`.
    fn hyp(&self, i: usize) -> &str;
    /// Appends the references of pair `i` to `out`.
    fn refs<'s>(&'s self, i: usize, out: &mut Vec<&'s str>);
}

/// Hypotheses and a list of references per hypothesis.
impl<S: AsRef<str> + Sync> Corpus for (&[S], &[Vec<S>]) {
    fn len(&self) -> usize {
        self.0.len().min(self.1.len())
    }
    fn hyp(&self, i: usize) -> &str {
        self.0[i].as_ref()
    }
    fn refs<'s>(&'s self, i: usize, out: &mut Vec<&'s str>) {
        out.extend(self.1[i].iter().map(AsRef::as_ref));
    }
}

/// References per segment for a signature, from the group offsets (`offsets[i]..offsets[i+1]`
/// are pair `i`'s): the common count, or -1 when it varies.
pub fn nrefs(offsets: &[usize]) -> i64 {
    let mut counts = offsets.windows(2).map(|w| w[1] - w[0]);
    match counts.next() {
        None => 0,
        Some(first) if counts.all(|c| c == first) => first as i64,
        Some(_) => -1,
    }
}

/// Per-worker reference buffer: `refs(i)` without an allocation per pair.
pub(crate) fn with_refs<'s, C: Corpus + ?Sized, T>(
    corpus: &'s C,
    buf: &mut Vec<&'s str>,
    i: usize,
    f: impl FnOnce(&'s str, &[&'s str]) -> T,
) -> T {
    buf.clear();
    corpus.refs(i, buf);
    f(corpus.hyp(i), buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bleu::{BleuConfig, BleuScoring};
    use crate::chrf::ChrfConfig;
    use crate::parallel::Batch;
    use crate::rouge::{Doc, RougeType};
    use crate::ter::TerConfig;

    fn corpus() -> (Vec<String>, Vec<Vec<String>>) {
        let hyps: Vec<String> = (0..300)
            .map(|i| format!("the cat {i} sat on the mat"))
            .collect();
        let refs = (0..300)
            .map(|i| {
                vec![
                    format!("a cat {i} sat on a mat"),
                    format!("the cat sat {i}"),
                ]
            })
            .collect();
        (hyps, refs)
    }

    #[test]
    fn batches_equal_one_pair_at_a_time_for_any_worker_count() {
        let (h, r) = corpus();
        let c = (&h[..], &r[..]);
        let refs = |i: usize| r[i].iter().map(String::as_str).collect::<Vec<_>>();
        let bleu_cfg = BleuConfig::new("13a", false, 4).unwrap();
        let sc = BleuScoring::new("exp", None, true, 4).unwrap();
        let chrf_cfg = ChrfConfig::new(6, 2, 2.0, false, false, false).unwrap();
        let ter_cfg = TerConfig::default();
        for w in [1, 3] {
            let b = Batch::new(w).chunk(7);
            let bleu = bleu::score_batch(&bleu_cfg, &sc, &c, &b).unwrap();
            let stats = chrf::stats_batch(&chrf_cfg, &c, &b).unwrap();
            let ter = ter::score_batch(&ter_cfg, &c, &b).unwrap();
            for i in 0..h.len() {
                let want = crate::bleu::sentence_bleu(&bleu_cfg, &sc, &h[i], &refs(i)).unwrap();
                assert_eq!(bleu[i], want);
                let mut row = vec![0i64; chrf_cfg.n_stats()];
                crate::chrf::segment_stats(&chrf_cfg, &h[i], &refs(i), &mut row);
                assert_eq!(&stats[i * row.len()..(i + 1) * row.len()], &row[..]);
                let t = crate::ter::sentence_score(&ter_cfg, &h[i], &refs(i)).unwrap();
                assert_eq!(ter[i], t);
            }
        }
    }

    #[test]
    fn rouge_batch_lays_out_type_major_columns() {
        let (h, r) = corpus();
        let types = [
            RougeType::parse("rouge1").unwrap(),
            RougeType::parse("rougeL").unwrap(),
        ];
        let b = Batch::new(2).chunk(5);
        let s = rouge::score_batch(
            h.len(),
            |i| Doc::Text(h[i].as_str()),
            |i| r[i].iter().map(|t| Doc::Text(t.as_str())),
            &types,
            crate::rouge::RougeOptions::default(),
            &b,
        )
        .unwrap();
        let (cols, _) = s.columns();
        let n = h.len();
        for i in [0, 17, 299] {
            for (t, ty) in types.iter().enumerate() {
                let one = crate::rouge::score_group(
                    &Doc::Text(h[i].as_str()),
                    &r[i]
                        .iter()
                        .map(|x| Doc::Text(x.as_str()))
                        .collect::<Vec<_>>(),
                    std::slice::from_ref(ty),
                    crate::rouge::RougeOptions::default(),
                )
                .unwrap();
                assert_eq!(cols[(t * 3 + 2) * n + i], one.as_slice()[0].fmeasure);
            }
        }
    }

    #[test]
    fn pairwise_matrix_equals_sentence_scores_for_any_worker_count() {
        let (h, _) = corpus();
        let (c, r) = (&h[..40], &h[40..75]);
        let cfg = BleuConfig::new("13a", false, 4).unwrap();
        let sc = BleuScoring::new("exp", None, true, 4).unwrap();
        for w in [1, 2] {
            let m = pairwise::matrix(
                crate::pairwise::PairMetric::Bleu(cfg, sc),
                c,
                Some(r),
                &Batch::new(w).chunk(3),
            )
            .unwrap();
            assert_eq!((m.rows, m.cols), (40, 35));
            for (i, ci) in c.iter().enumerate() {
                for (j, rj) in r.iter().enumerate() {
                    let want = crate::bleu::sentence_bleu(&cfg, &sc, ci, &[rj]).unwrap();
                    assert_eq!(m.cells[i * 35 + j], want);
                }
            }
        }
    }
}
