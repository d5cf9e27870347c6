//! ROUGE over a batch: every prediction against its group of references, all rouge types at once.

use std::borrow::Borrow;

use crate::error::Result;
use crate::parallel::{par_rows, Batch};
use crate::rouge::{score_group_into, Doc, RougeOptions, RougeType, Score};

/// Scores of a batch: row `i` holds pair `i`'s score per type, in the order of the types asked.
#[derive(Debug, Clone, Default)]
pub struct RougeScores {
    pub n: usize,
    pub types: usize,
    pub rows: Vec<Score>,
}

impl RougeScores {
    /// Type-major arrays: `scores[(t*3 + {0:P,1:R,2:F})*n + i]` and `int_zero[t*n + i]`.
    pub fn columns(&self) -> (Vec<f64>, Vec<bool>) {
        let (n, nt) = (self.n, self.types);
        let mut scores = vec![0.0f64; nt * 3 * n];
        let mut int_zero = vec![false; nt * n];
        for (i, row) in self.rows.chunks_exact(nt.max(1)).enumerate() {
            for (t, s) in row.iter().enumerate() {
                scores[(t * 3) * n + i] = s.precision;
                scores[(t * 3 + 1) * n + i] = s.recall;
                scores[(t * 3 + 2) * n + i] = s.fmeasure;
                int_zero[t * n + i] = s.int_zero;
            }
        }
        (scores, int_zero)
    }
}

/// Scores every pair `i in 0..n`: prediction `pred(i)` against the references `refs_of(i)`.
pub fn score_batch<S, P, D, R>(
    n: usize,
    pred: impl Fn(usize) -> P + Sync,
    refs_of: impl Fn(usize) -> R + Sync,
    types: &[RougeType],
    options: RougeOptions,
    batch: &Batch<'_>,
) -> Result<RougeScores>
where
    S: AsRef<str>,
    P: Borrow<Doc<S>>,
    D: Borrow<Doc<S>>,
    R: IntoIterator<Item = D>,
{
    let nt = types.len();
    let mut rows = vec![Score::default(); n * nt];
    par_rows(
        &mut rows,
        nt,
        batch,
        || (),
        |_, i, out| score_group_into(pred(i).borrow(), refs_of(i), types, options, out),
    )?;
    Ok(RougeScores { n, types: nt, rows })
}
