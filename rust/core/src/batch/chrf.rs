//! chrF / chrF++ over a batch: per-pair statistics rows (of the best reference) and sentence scores.

use super::{with_refs, Corpus};
use crate::chrf::{self, ChrfConfig};
use crate::error::Result;
use crate::parallel::{par_map_init, par_rows, Batch};

/// Per-pair statistics of the best reference, row-major (`n x cfg.n_stats()`).
pub fn stats_batch<C: Corpus + ?Sized>(
    cfg: &ChrfConfig,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<i64>> {
    let width = cfg.n_stats();
    let mut out = vec![0i64; corpus.len() * width];
    par_rows(&mut out, width, batch, Vec::new, |buf, i, row| {
        with_refs(corpus, buf, i, |h, r| chrf::segment_stats(cfg, h, r, row));
        Ok(())
    })?;
    Ok(out)
}

/// Sentence chrF of every pair.
pub fn score_batch<C: Corpus + ?Sized>(
    cfg: &ChrfConfig,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<f64>> {
    let width = cfg.n_stats();
    par_map_init(
        corpus.len(),
        batch,
        || (Vec::new(), vec![0i64; width]),
        |(buf, stats), i| {
            Ok(with_refs(corpus, buf, i, |h, r| {
                chrf::segment_stats(cfg, h, r, stats)
            }))
        },
    )
}
