//! TER bindings: borrow the texts, detach, call `lexmetrics_core::ter::stats_batch` chunk by chunk
//! (Ctrl-C is polled between chunks), wrap numpy arrays. All metric logic is in the core.

use lexmetrics_core::ter::{self, TerConfig, TerStats};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::common::{check_same_len, metric_error, pool, resolve_workers, value_error};
use crate::texts::{extract_refs_texts, extract_texts};

/// Pairs per worker between two checks for Ctrl-C: TER costs up to milliseconds a pair (long
/// segments), far more than BLEU, so the chunks are smaller than `common::CHUNK`.
const TER_CHUNK: usize = 512;

/// Per-pair statistics of every pair and the nrefs value (-1 when the count varies).
fn stats_of(
    py: Python<'_>,
    hypotheses: &Bound<'_, PyAny>,
    references: &Bound<'_, PyAny>,
    cfg: &TerConfig,
    workers: Option<usize>,
) -> PyResult<(Vec<TerStats>, i64)> {
    let hyps = extract_texts(hypotheses, "hypotheses")?;
    let (refs, offsets) = extract_refs_texts(references, "references")?;
    let n = hyps.len();
    check_same_len(py, n, "hypotheses", offsets.len() - 1, "references")?;
    let workers = resolve_workers(py, workers)?;
    let pool = if workers > 1 {
        Some(pool(workers)?)
    } else {
        None
    };
    let (hyps, refs, offsets) = (&hyps, &refs, &offsets);
    let mut out = Vec::with_capacity(n);
    let step = TER_CHUNK * workers;
    let mut start = 0;
    while start < n {
        let end = (start + step).min(n);
        let part = py.detach(|| {
            ter::stats_batch(
                cfg,
                start..end,
                |i| hyps.get(i),
                |i, buf| buf.extend((offsets[i]..offsets[i + 1]).map(|k| refs.get(k))),
                pool.as_deref(),
            )
        });
        out.extend(part.map_err(|e| metric_error(py, e))?);
        py.check_signals()?;
        start = end;
    }
    let mut counts = offsets.windows(2).map(|w| w[1] - w[0]);
    let nrefs = match counts.next() {
        None => 0,
        Some(first) if counts.all(|c| c == first) => first as i64,
        Some(_) => -1,
    };
    Ok((out, nrefs))
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
    workers: Option<usize>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, i64)> {
    crate::unicode::ensure(py, false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    let (stats, nrefs) = stats_of(py, hypotheses, references, &cfg, workers)?;
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
    workers: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    crate::unicode::ensure(py, false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    let (stats, _) = stats_of(py, hypotheses, references, &cfg, workers)?;
    let scores: Vec<f64> = stats
        .iter()
        .map(|s| ter::score_from_stats(s.num_edits, s.ref_length))
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
    let lines = crate::common::extract_strs(lines, "lines")?;
    Ok(lines.iter().map(|l| cfg.preprocess(l)).collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ter_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_ter, m)?)?;
    m.add_function(wrap_pyfunction!(ter_tokenize, m)?)?;
    Ok(())
}
