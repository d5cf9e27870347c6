//! chrF / chrF++ bindings: extract inputs, call `lexmetrics_core::batch::chrf` outside the
//! interpreter lock, wrap arrays.

use lexmetrics_core::batch::chrf as batch;
use lexmetrics_core::chrf::{self, ChrfConfig};
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::bleu::stats_array;
use crate::common::{guarded, metric_error, resolve_workers, run_batch, value_error};
use crate::texts::Pairs;
use crate::unicode;

fn nonneg_order(py: Python<'_>, value: i64, name: &str) -> PyResult<usize> {
    if value < 0 {
        return Err(value_error(py, format!("{name} must be >= 0, got {value}")));
    }
    Ok(value as usize)
}

fn chrf_config(
    py: Python<'_>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    lowercase: bool,
    whitespace: bool,
    eps_smoothing: bool,
) -> PyResult<ChrfConfig> {
    let c = nonneg_order(py, char_order, "char_order")?;
    let w = nonneg_order(py, word_order, "word_order")?;
    ChrfConfig::new(c, w, beta, lowercase, whitespace, eps_smoothing)
        .map_err(|e| metric_error(py, e))
}

/// Per-pair chrF statistics (of the best reference) and the nrefs value.
#[pyfunction]
#[pyo3(signature = (hypotheses, references, char_order=6, word_order=0, beta=2.0, lowercase=false,
                    whitespace=false, eps_smoothing=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn chrf_stats<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    lowercase: bool,
    whitespace: bool,
    eps_smoothing: bool,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyArray2<i64>>, i64)> {
    guarded(|| {
        unicode::ensure(py, false)?;
        let workers = resolve_workers(py, workers)?;
        let cfg = chrf_config(
            py,
            char_order,
            word_order,
            beta,
            lowercase,
            whitespace,
            eps_smoothing,
        )?;
        let pairs = Pairs::extract(hypotheses, "hypotheses", references, "references")?;
        let flat = run_batch(py, workers, pairs.work_bytes(), |b| {
            batch::stats_batch(&cfg, &pairs, b)
        })?;
        Ok((stats_array(py, cfg.n_stats(), flat)?, pairs.nrefs()))
    })
}

/// Sentence chrF of every pair.
#[pyfunction]
#[pyo3(signature = (hypotheses, references, char_order=6, word_order=0, beta=2.0, lowercase=false,
                    whitespace=false, eps_smoothing=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn sentence_chrf<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    lowercase: bool,
    whitespace: bool,
    eps_smoothing: bool,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    guarded(|| {
        unicode::ensure(py, false)?;
        let workers = resolve_workers(py, workers)?;
        let cfg = chrf_config(
            py,
            char_order,
            word_order,
            beta,
            lowercase,
            whitespace,
            eps_smoothing,
        )?;
        let pairs = Pairs::extract(hypotheses, "hypotheses", references, "references")?;
        let scores = run_batch(py, workers, pairs.work_bytes(), |b| {
            batch::score_batch(&cfg, &pairs, b)
        })?;
        Ok(scores.into_pyarray(py))
    })
}

/// sacrebleu `CHRF._compute_f_score` on one summed statistics vector.
#[pyfunction]
#[pyo3(signature = (stats, char_order=6, word_order=0, beta=2.0, eps_smoothing=false))]
fn chrf_from_stats(
    py: Python<'_>,
    stats: Vec<i64>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    eps_smoothing: bool,
) -> PyResult<f64> {
    guarded(|| {
        let cfg = chrf_config(
            py,
            char_order,
            word_order,
            beta,
            false,
            false,
            eps_smoothing,
        )?;
        chrf::score_from_stats(&cfg, &stats).map_err(|e| metric_error(py, e))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(chrf_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_chrf, m)?)?;
    m.add_function(wrap_pyfunction!(chrf_from_stats, m)?)?;
    Ok(())
}
