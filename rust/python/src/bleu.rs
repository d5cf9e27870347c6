//! BLEU bindings: extract inputs, call `lexmetrics_core::batch::bleu` outside the interpreter
//! lock, wrap arrays. (chrF: `chrf.rs`.)

use lexmetrics_core::batch::bleu as batch;
use lexmetrics_core::bleu::{self, BleuConfig, BleuScoring};
use lexmetrics_core::pystr;
use lexmetrics_core::sacre_tokenize::Tokenizer;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::common::{extract_strs, guarded, metric_error, resolve_workers, run_batch, value_error};
use crate::texts::Pairs;
use crate::unicode;

fn order(py: Python<'_>, value: i64, name: &str) -> PyResult<usize> {
    if value < 1 {
        return Err(value_error(py, format!("{name} must be >= 1, got {value}")));
    }
    Ok(value as usize)
}

/// An `(n, width)` array of row-major statistics rows.
pub fn stats_array(
    py: Python<'_>,
    width: usize,
    flat: Vec<i64>,
) -> PyResult<Bound<'_, PyArray2<i64>>> {
    let n = flat.len().checked_div(width).unwrap_or(0);
    let arr = Array2::from_shape_vec((n, width), flat)
        .map_err(|e| value_error(py, format!("internal shape error: {e}")))?;
    Ok(arr.into_pyarray(py))
}

/// Per-pair BLEU statistics `[sys_len, ref_len, correct_1..n, total_1..n]` and the nrefs value.
#[pyfunction]
#[pyo3(signature = (hypotheses, references, tokenize="13a", lowercase=false, max_ngram_order=4, workers=None))]
fn bleu_stats<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    tokenize: &str,
    lowercase: bool,
    max_ngram_order: i64,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyArray2<i64>>, i64)> {
    guarded(|| {
        unicode::ensure(py, tokenize == "intl")?;
        let workers = resolve_workers(py, workers)?;
        let n_max = order(py, max_ngram_order, "max_ngram_order")?;
        let cfg = BleuConfig::new(tokenize, lowercase, n_max).map_err(|e| metric_error(py, e))?;
        let pairs = Pairs::extract(hypotheses, "hypotheses", references, "references")?;
        let flat = run_batch(py, workers, pairs.work_bytes(), |b| {
            batch::stats_batch(&cfg, &pairs, b)
        })?;
        Ok((stats_array(py, cfg.n_stats(), flat)?, pairs.nrefs()))
    })
}

/// Sentence BLEU of every pair.
#[pyfunction]
#[pyo3(signature = (hypotheses, references, tokenize="13a", lowercase=false, max_ngram_order=4,
                    smooth_method="exp", smooth_value=None, use_effective_order=true, workers=None))]
#[allow(clippy::too_many_arguments)]
fn sentence_bleu<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    tokenize: &str,
    lowercase: bool,
    max_ngram_order: i64,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    guarded(|| {
        unicode::ensure(py, tokenize == "intl")?;
        let workers = resolve_workers(py, workers)?;
        let n_max = order(py, max_ngram_order, "max_ngram_order")?;
        let cfg = BleuConfig::new(tokenize, lowercase, n_max).map_err(|e| metric_error(py, e))?;
        let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
            .map_err(|e| metric_error(py, e))?;
        let pairs = Pairs::extract(hypotheses, "hypotheses", references, "references")?;
        let scores = run_batch(py, workers, pairs.work_bytes(), |b| {
            batch::score_batch(&cfg, &sc, &pairs, b)
        })?;
        Ok(scores.into_pyarray(py))
    })
}

/// sacrebleu `compute_bleu` on one summed statistics vector:
/// `(score, counts, totals, precisions, bp)` (counts/totals as sacrebleu leaves them).
#[pyfunction]
#[pyo3(signature = (stats, smooth_method="exp", smooth_value=None, use_effective_order=false, max_ngram_order=4))]
#[allow(clippy::type_complexity)]
fn bleu_from_stats(
    py: Python<'_>,
    stats: Vec<i64>,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    max_ngram_order: i64,
) -> PyResult<(f64, Vec<f64>, Vec<f64>, Vec<f64>, f64)> {
    guarded(|| {
        let n_max = order(py, max_ngram_order, "max_ngram_order")?;
        let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
            .map_err(|e| metric_error(py, e))?;
        let r = bleu::compute_bleu(&stats, &sc).map_err(|e| metric_error(py, e))?;
        Ok((r.score, r.counts, r.totals, r.precisions, r.bp))
    })
}

/// sacrebleu BLEU preprocessing of each line (`lower()`, `rstrip()`, tokenizer), tokens joined by
/// one space like `' '.join(tokenizer(line).split())`.
#[pyfunction]
#[pyo3(signature = (lines, tokenize="13a", lowercase=false))]
fn sacre_tokenize(
    py: Python<'_>,
    lines: &Bound<'_, PyAny>,
    tokenize: &str,
    lowercase: bool,
) -> PyResult<Vec<String>> {
    guarded(|| {
        unicode::ensure(py, tokenize == "intl")?;
        let tok = Tokenizer::parse(tokenize).map_err(|e| metric_error(py, e))?;
        let lines = extract_strs(lines, "lines")?;
        Ok(lines
            .iter()
            .map(|l| tok.tokenize_joined(l, lowercase))
            .collect())
    })
}

/// Python `str.lower()` of each line, as the Rust core computes it.
#[pyfunction]
fn py_lower(lines: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    guarded(|| {
        unicode::ensure(lines.py(), false)?;
        let lines = extract_strs(lines, "lines")?;
        Ok(lines
            .iter()
            .map(|l| pystr::py_lower(l).into_owned())
            .collect())
    })
}

/// Python `str.split()` of each line, as the Rust core computes it.
#[pyfunction]
fn py_split(lines: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<String>>> {
    guarded(|| {
        unicode::ensure(lines.py(), false)?;
        let lines = extract_strs(lines, "lines")?;
        Ok(lines
            .iter()
            .map(|l| pystr::py_split(l).map(str::to_owned).collect())
            .collect())
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bleu_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_bleu, m)?)?;
    m.add_function(wrap_pyfunction!(bleu_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sacre_tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(py_lower, m)?)?;
    m.add_function(wrap_pyfunction!(py_split, m)?)?;
    Ok(())
}
