//! Per-row sentence BLEU / chrF from an `(n, width)` int64 matrix of per-row statistics: one call
//! for the whole batch, outside the interpreter lock. The arithmetic is the core's
//! (`bleu::compute_bleu`, `chrf::score_from_stats`), so each value equals the sentence score.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lexmetrics_core::bleu::{self, BleuScoring};
use lexmetrics_core::chrf::{self, ChrfConfig};
use lexmetrics_core::error::MetricError;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::common::{metric_error, value_error};

fn at_least(py: Python<'_>, value: i64, low: i64, name: &str) -> PyResult<usize> {
    if value < low {
        return Err(value_error(
            py,
            format!("{name} must be >= {low}, got {value}"),
        ));
    }
    usize::try_from(value).map_err(|_| value_error(py, format!("{name} is too large: {value}")))
}

/// `score(row)` of every row of `stats`, detached; an error names the row (`stats[i]`) and a
/// panic becomes an error instead of crossing into Python.
fn per_row<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    width: usize,
    score: impl Fn(&[i64]) -> Result<f64, MetricError> + Sync,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let view = stats.as_array();
    let (n, w) = view.dim();
    if w != width {
        return Err(value_error(
            py,
            format!("stats must have {width} columns, got an array of shape ({n}, {w})"),
        ));
    }
    // A C-contiguous array is read in place; any other layout is copied once, row-major.
    let owned: Vec<i64>;
    let flat: &[i64] = match view.as_slice() {
        Some(s) => s,
        None => {
            owned = view.iter().copied().collect();
            &owned
        }
    };
    let out = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let mut out = Vec::with_capacity(n);
            for (i, row) in flat.chunks_exact(width.max(1)).take(n).enumerate() {
                out.push(score(row).map_err(|e| e.at(i))?);
            }
            Ok::<_, MetricError>(out)
        }))
    });
    match out {
        Ok(Ok(v)) => Ok(v.into_pyarray(py)),
        Ok(Err(e)) => Err(metric_error(py, e)),
        Err(_) => Err(value_error(
            py,
            "internal error while scoring statistics rows".into(),
        )),
    }
}

/// Sentence BLEU of each row of `[sys_len, ref_len, correct_1..n, total_1..n]` statistics.
#[pyfunction]
#[pyo3(signature = (stats, smooth_method, smooth_value, use_effective_order, max_ngram_order))]
fn bleu_scores_from_stats<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    max_ngram_order: i64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n_max = at_least(py, max_ngram_order, 1, "max_ngram_order")?;
    let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
        .map_err(|e| metric_error(py, e))?;
    per_row(py, stats, 2 + 2 * n_max, |row| {
        bleu::compute_bleu(row, &sc).map(|r| r.score)
    })
}

/// chrF of each row of `[hyp, ref, match]`-per-order statistics.
#[pyfunction]
#[pyo3(signature = (stats, char_order, word_order, beta, eps_smoothing))]
fn chrf_scores_from_stats<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    eps_smoothing: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let c = at_least(py, char_order, 0, "char_order")?;
    let w = at_least(py, word_order, 0, "word_order")?;
    // lowercase/whitespace act on the text only, not on the statistics.
    let cfg = ChrfConfig::new(c, w, beta, false, false, eps_smoothing)
        .map_err(|e| metric_error(py, e))?;
    per_row(py, stats, cfg.n_stats(), |row| {
        chrf::score_from_stats(&cfg, row)
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bleu_scores_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(chrf_scores_from_stats, m)?)?;
    Ok(())
}
