//! Pairwise matrices (MBR, self-BLEU) as batches: the matrix filled in row chunks on a pool,
//! stop checks between (and, for large inputs, during) the chunks.

use crate::bleu::{BleuConfig, BleuScoring};
use crate::error::Result;
use crate::pairwise::{self, PairMetric, Pairwise};
use crate::parallel::{self, catch, for_chunks, max_workers, Batch};

/// Cells filled per chunk between two stop checks (results do not depend on it).
const CELLS: usize = 1 << 18;

/// A row-major `rows x cols` matrix of scores.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<f64>,
}

/// `metric` of every candidate against every reference (or, without references, every other
/// candidate: each unordered pair is compared once and mirrored when the metric is symmetric).
pub fn matrix<S: AsRef<str> + Sync>(
    metric: PairMetric,
    candidates: &[S],
    references: Option<&[S]>,
    batch: &Batch<'_>,
) -> Result<Matrix> {
    let pool = parallel::pool(batch.workers)?;
    let p = pool.install(|| catch(|| Pairwise::new(metric, candidates, references)))?;
    let (rows, cols) = (p.rows(), p.cols());
    let mut cells = vec![0.0f64; rows * cols];
    let workers = batch.workers.clamp(1, max_workers());
    let batch = Batch {
        chunk: (CELLS / cols.max(1)).max(1).div_ceil(workers),
        ..*batch
    };
    let out = &mut cells[..];
    for_chunks(rows, &batch, |r| {
        pool.install(|| {
            if p.is_square() {
                // Rows take their mirror cells with them.
                p.fill_square_rows(r, out)
            } else {
                p.fill_rows(r.clone(), &mut out[r.start * cols..r.end * cols])
            }
        })
    })?;
    Ok(Matrix { rows, cols, cells })
}

/// Sentence BLEU of each text against all the others as its references.
pub fn self_bleu<S: AsRef<str> + Sync>(
    cfg: &BleuConfig,
    sc: &BleuScoring,
    texts: &[S],
    batch: &Batch<'_>,
) -> Result<Vec<f64>> {
    let pool = parallel::pool(batch.workers)?;
    pool.install(|| catch(|| pairwise::self_bleu(cfg, sc, texts)))
}
