//! TER bindings: borrow the texts, call `lexmetrics_core::batch::ter` outside the interpreter
//! lock, wrap numpy arrays. All metric logic is in the core.

use lexmetrics_core::batch::ter as batch;
use lexmetrics_core::ter::{TerConfig, TerStats};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::common::{resolve_workers, run_batch, value_error};
use crate::texts::{extract_refs_texts, extract_texts, Pairs};

/// Per-pair statistics of every pair and the nrefs value (-1 when the count varies).
fn stats_of(
    py: Python<'_>,
    hypotheses: &Bound<'_, PyAny>,
    references: &Bound<'_, PyAny>,
    cfg: &TerConfig,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Vec<TerStats>, i64)> {
    let hyps = extract_texts(hypotheses, "hypotheses")?;
    let (refs, offsets) = extract_refs_texts(references, "references")?;
    let pairs = Pairs::new(py, (hyps, "hypotheses"), (refs, "references"), offsets)?;
    let workers = resolve_workers(py, workers)?;
    let stats = run_batch(py, workers, pairs.work_bytes(), |b| {
        batch::stats_batch(cfg, &pairs, b)
    })?;
    Ok((stats, pairs.nrefs()))
}

/// Per-pair TER statistics `[num_edits, ref_length]` (float64, `(n, 2)`) and the nrefs value.
#[pyfunction]
#[pyo3(signature = (hypotheses, references, normalized=false, no_punct=false, asian_support=false,
                    case_sensitive=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn ter_stats<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    normalized: bool,
    no_punct: bool,
    asian_support: bool,
    case_sensitive: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, i64)> {
    crate::unicode::ensure(py, false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    // A panic in the core becomes InternalError, never a PanicException.
    let (stats, nrefs) =
        crate::common::guarded(|| stats_of(py, hypotheses, references, &cfg, workers))?;
    let flat: Vec<f64> = stats
        .iter()
        .flat_map(|s| [s.num_edits, s.ref_length])
        .collect();
    let arr = Array2::from_shape_vec((stats.len(), 2), flat)
        .map_err(|e| value_error(py, format!("internal shape error: {e}")))?;
    Ok((arr.into_pyarray(py), nrefs))
}

/// Sentence TER of every pair (sacrebleu `TER.sentence_score(h, refs).score`).
#[pyfunction]
#[pyo3(signature = (hypotheses, references, normalized=false, no_punct=false, asian_support=false,
                    case_sensitive=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn sentence_ter<'py>(
    py: Python<'py>,
    hypotheses: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    normalized: bool,
    no_punct: bool,
    asian_support: bool,
    case_sensitive: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    crate::unicode::ensure(py, false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    let (stats, _) =
        crate::common::guarded(|| stats_of(py, hypotheses, references, &cfg, workers))?;
    let scores: Vec<f64> = stats
        .iter()
        .map(|s| lexmetrics_core::ter::score_from_stats(s.num_edits, s.ref_length))
        .collect();
    Ok(scores.into_pyarray(py))
}

/// sacrebleu `TercomTokenizer` applied to each line after `rstrip()` (TER's preprocessing).
#[pyfunction]
#[pyo3(signature = (lines, normalized=false, no_punct=false, asian_support=false, case_sensitive=false))]
fn ter_tokenize(
    lines: &Bound<'_, PyAny>,
    normalized: bool,
    no_punct: bool,
    asian_support: bool,
    case_sensitive: bool,
) -> PyResult<Vec<String>> {
    crate::unicode::ensure(lines.py(), false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    crate::common::guarded(|| {
        let lines = crate::common::extract_strs(lines, "lines")?;
        Ok(lines.iter().map(|l| cfg.preprocess(l)).collect())
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ter_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_ter, m)?)?;
    m.add_function(wrap_pyfunction!(ter_tokenize, m)?)?;
    Ok(())
}
