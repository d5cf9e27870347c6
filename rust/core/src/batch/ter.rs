//! TER over a batch: per-pair statistics and sentence scores.

use super::{with_refs, Corpus};
use crate::error::Result;
use crate::parallel::{par_map_init, Batch};
use crate::ter::{self, TerConfig, TerScratch, TerStats};

/// Rows per worker between two stop checks: a TER pair costs up to milliseconds (long segments),
/// far more than BLEU, so the chunks are smaller than `parallel::CHUNK`.
pub const TER_CHUNK: usize = 512;

/// Per-pair statistics (`num_edits`, `ref_length` of the best reference).
pub fn stats_batch<C: Corpus + ?Sized>(
    cfg: &TerConfig,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<TerStats>> {
    let batch = Batch {
        chunk: batch.chunk.min(TER_CHUNK),
        ..*batch
    };
    par_map_init(
        corpus.len(),
        &batch,
        || (TerScratch::default(), Vec::new()),
        |(scratch, buf), i| {
            with_refs(corpus, buf, i, |h, r| {
                ter::segment_stats(cfg, scratch, h, r)
            })
        },
    )
}

/// Sentence TER of every pair (sacrebleu `TER.sentence_score(h, refs).score`).
pub fn score_batch<C: Corpus + ?Sized>(
    cfg: &TerConfig,
    corpus: &C,
    batch: &Batch<'_>,
) -> Result<Vec<f64>> {
    Ok(stats_batch(cfg, corpus, batch)?
        .iter()
        .map(|s| ter::score_from_stats(s.num_edits, s.ref_length))
        .collect())
}
