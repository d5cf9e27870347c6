//! Pairwise matrix bindings: extract the texts, call `lexmetrics_core::batch::pairwise` outside
//! the interpreter lock (rows in chunks, Ctrl-C polled between them), return a float64 array.

use lexmetrics_core::batch::pairwise as batch;
use lexmetrics_core::bleu::{BleuConfig, BleuScoring};
use lexmetrics_core::chrf::ChrfConfig;
use lexmetrics_core::pairwise::{Measure, PairMetric};
use lexmetrics_core::rouge::{Profile, RougeType};
use lexmetrics_core::ter::TerConfig;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::common::{metric_error, resolve_workers, run_batch, value_error};
use crate::texts::{extract_texts, Texts};
use crate::unicode;

fn positive(py: Python<'_>, value: i64, name: &str, min: i64) -> PyResult<usize> {
    if value < min {
        return Err(value_error(
            py,
            format!("{name} must be >= {min}, got {value}"),
        ));
    }
    Ok(value as usize)
}

fn matrix<'py>(
    py: Python<'py>,
    metric: PairMetric,
    candidates: &Bound<'py, PyAny>,
    references: Option<&Bound<'py, PyAny>>,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let cands = extract_texts(candidates, "candidates")?;
    let refs: Option<Texts> = match references {
        Some(r) if !r.is_none() => Some(extract_texts(r, "references")?),
        _ => None,
    };
    let workers = resolve_workers(py, workers)?;
    let c: Vec<&str> = cands.iter().collect();
    let r: Option<Vec<&str>> = refs.as_ref().map(|t| t.iter().collect());
    // Signals are seen between row chunks, as before the batch moved to the core.
    let m = run_batch(py, workers, 0, |b| {
        batch::matrix(metric, &c, r.as_deref(), b)
    })?;
    let arr = Array2::from_shape_vec((m.rows, m.cols), m.cells)
        .map_err(|e| value_error(py, format!("internal shape error: {e}")))?;
    Ok(arr.into_pyarray(py))
}

fn bleu_options(
    py: Python<'_>,
    tokenize: &str,
    lowercase: bool,
    max_ngram_order: i64,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
) -> PyResult<(BleuConfig, BleuScoring)> {
    unicode::ensure(py, tokenize == "intl")?;
    let n = positive(py, max_ngram_order, "max_ngram_order", 1)?;
    let cfg = BleuConfig::new(tokenize, lowercase, n).map_err(|e| metric_error(py, e))?;
    let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n)
        .map_err(|e| metric_error(py, e))?;
    Ok((cfg, sc))
}

/// Sentence BLEU of every candidate against every reference (or every other candidate).
#[pyfunction]
#[pyo3(signature = (candidates, references=None, tokenize="13a", lowercase=false, max_ngram_order=4,
                    smooth_method="exp", smooth_value=None, use_effective_order=true, workers=None))]
#[allow(clippy::too_many_arguments)]
fn pairwise_bleu<'py>(
    py: Python<'py>,
    candidates: &Bound<'py, PyAny>,
    references: Option<&Bound<'py, PyAny>>,
    tokenize: &str,
    lowercase: bool,
    max_ngram_order: i64,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (cfg, sc) = bleu_options(
        py,
        tokenize,
        lowercase,
        max_ngram_order,
        smooth_method,
        smooth_value,
        use_effective_order,
    )?;
    matrix(
        py,
        PairMetric::Bleu(cfg, sc),
        candidates,
        references,
        workers,
    )
}

/// Sentence chrF / chrF++ of every candidate against every reference.
#[pyfunction]
#[pyo3(signature = (candidates, references=None, char_order=6, word_order=0, beta=2.0,
                    lowercase=false, whitespace=false, eps_smoothing=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn pairwise_chrf<'py>(
    py: Python<'py>,
    candidates: &Bound<'py, PyAny>,
    references: Option<&Bound<'py, PyAny>>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    lowercase: bool,
    whitespace: bool,
    eps_smoothing: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    unicode::ensure(py, false)?;
    let c = positive(py, char_order, "char_order", 0)?;
    let w = positive(py, word_order, "word_order", 0)?;
    let cfg = ChrfConfig::new(c, w, beta, lowercase, whitespace, eps_smoothing)
        .map_err(|e| metric_error(py, e))?;
    matrix(py, PairMetric::Chrf(cfg), candidates, references, workers)
}

/// ROUGE (one type, one of precision / recall / fmeasure) of every candidate (the prediction)
/// against every reference (the target).
#[pyfunction]
#[pyo3(signature = (candidates, references=None, rouge_type="rougeL", use_stemmer=false,
                    measure="fmeasure", workers=None, tokenizer="default"))]
#[allow(clippy::too_many_arguments)]
fn pairwise_rouge<'py>(
    py: Python<'py>,
    candidates: &Bound<'py, PyAny>,
    references: Option<&Bound<'py, PyAny>>,
    rouge_type: &str,
    use_stemmer: bool,
    measure: &str,
    workers: Option<&Bound<'_, PyAny>>,
    tokenizer: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let tokenizer = Profile::parse(tokenizer).map_err(|e| metric_error(py, e))?;
    if tokenizer != Profile::Default {
        // Lowercasing as this interpreter's `str.lower()`.
        unicode::ensure(py, false)?;
    }
    let metric = PairMetric::Rouge {
        rouge_type: RougeType::parse(rouge_type).map_err(|e| metric_error(py, e))?,
        use_stemmer,
        measure: Measure::parse(measure).map_err(|e| metric_error(py, e))?,
        tokenizer,
    };
    matrix(py, metric, candidates, references, workers)
}

/// Sentence TER of every candidate (the hypothesis) against every reference.
#[pyfunction]
#[pyo3(signature = (candidates, references=None, normalized=false, no_punct=false,
                    asian_support=false, case_sensitive=false, workers=None))]
#[allow(clippy::too_many_arguments)]
fn pairwise_ter<'py>(
    py: Python<'py>,
    candidates: &Bound<'py, PyAny>,
    references: Option<&Bound<'py, PyAny>>,
    normalized: bool,
    no_punct: bool,
    asian_support: bool,
    case_sensitive: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    unicode::ensure(py, false)?;
    let cfg = TerConfig::new(normalized, no_punct, asian_support, case_sensitive);
    matrix(py, PairMetric::Ter(cfg), candidates, references, workers)
}

/// Sentence BLEU of each text against all the others as its references.
#[pyfunction]
#[pyo3(signature = (texts, tokenize="13a", lowercase=false, max_ngram_order=4,
                    smooth_method="exp", smooth_value=None, use_effective_order=true, workers=None))]
#[allow(clippy::too_many_arguments)]
fn self_bleu<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    tokenize: &str,
    lowercase: bool,
    max_ngram_order: i64,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (cfg, sc) = bleu_options(
        py,
        tokenize,
        lowercase,
        max_ngram_order,
        smooth_method,
        smooth_value,
        use_effective_order,
    )?;
    let texts = extract_texts(texts, "generations")?;
    let t: Vec<&str> = texts.iter().collect();
    let workers = resolve_workers(py, workers)?;
    let scores = run_batch(py, workers, 0, |b| batch::self_bleu(&cfg, &sc, &t, b))?;
    Ok(scores.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pairwise_bleu, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise_chrf, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise_rouge, m)?)?;
    m.add_function(wrap_pyfunction!(pairwise_ter, m)?)?;
    m.add_function(wrap_pyfunction!(self_bleu, m)?)?;
    Ok(())
}
