//! BLEU over a batch: per-pair statistics rows and sentence scores.

use super::{with_refs, Corpus};
use crate::bleu::{self, BleuConfig, BleuScoring};
use crate::error::Result;
use crate::parallel::{par_map_init, par_rows, Batch};

/// Per-pair statistics `[sys_len, ref_len, correct_1..n, total_1..n]`, row-major
/// (`n x cfg.n_stats()`).
pub fn stats_batch<C: Corpus + ?Sized>(
    cfg: &BleuConfig,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<i64>> {
    let width = cfg.n_stats();
    let mut out = vec![0i64; corpus.len() * width];
    par_rows(&mut out, width, batch, Vec::new, |buf, i, row| {
        with_refs(corpus, buf, i, |h, r| bleu::segment_stats(cfg, h, r, row));
        Ok(())
    })?;
    Ok(out)
}

/// Sentence BLEU of every pair.
pub fn score_batch<C: Corpus + ?Sized>(
    cfg: &BleuConfig,
    sc: &BleuScoring,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<f64>> {
    par_map_init(corpus.len(), batch, Vec::new, |buf, i| {
        with_refs(corpus, buf, i, |h, r| bleu::sentence_bleu(cfg, sc, h, r))
    })
}
