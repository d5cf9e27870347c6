//! BLEU and chrF bindings: extract inputs, run the core on all cores outside the GIL, build arrays.

use lexmetrics_core::bleu::{self, BleuConfig, BleuScoring};
use lexmetrics_core::chrf::{self, ChrfConfig};
use lexmetrics_core::pystr;
use lexmetrics_core::sacre_tokenize::Tokenizer;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::common::{check_same_len, extract_strs, metric_error, par_map, value_error};
use crate::texts::{extract_refs_texts, extract_texts, Texts};
use crate::unicode;

/// Inputs of one batch call: hypotheses (borrowed `str` objects or Arrow buffers, zero-copy) and
/// per-hypothesis references.
struct Pairs {
    hyps: Texts,
    refs: Texts,
    offsets: Vec<usize>,
}

impl Pairs {
    fn extract(hypotheses: &Bound<'_, PyAny>, references: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = hypotheses.py();
        let hyps = extract_texts(hypotheses, "hypotheses")?;
        let (refs, offsets) = extract_refs_texts(references, "references")?;
        check_same_len(
            py,
            hyps.len(),
            "hypotheses",
            offsets.len() - 1,
            "references",
        )?;
        Ok(Self {
            hyps,
            refs,
            offsets,
        })
    }

    fn len(&self) -> usize {
        self.hyps.len()
    }

    /// The references of pair `i`, borrowed into `buf` (reused across the pairs of a worker).
    fn refs_of<'a>(&'a self, i: usize, buf: &mut Vec<&'a str>) {
        buf.clear();
        buf.extend((self.offsets[i]..self.offsets[i + 1]).map(|j| self.refs.get(j)));
    }

    /// `f(hypothesis, references)` of pair `i`; one reference needs no buffer.
    fn with_pair<T>(&self, i: usize, f: impl FnOnce(&str, &[&str]) -> T) -> T {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        if b - a == 1 {
            f(&self.hyps[i], &[self.refs.get(a)])
        } else {
            let mut buf = Vec::with_capacity(b - a);
            self.refs_of(i, &mut buf);
            f(&self.hyps[i], &buf)
        }
    }

    /// References per segment for the signature: the common count, or -1 when it varies.
    fn nrefs(&self) -> i64 {
        let mut counts = self.offsets.windows(2).map(|w| w[1] - w[0]);
        match counts.next() {
            None => 0,
            Some(first) if counts.all(|c| c == first) => first as i64,
            Some(_) => -1,
        }
    }
}

fn order(py: Python<'_>, value: i64, name: &str) -> PyResult<usize> {
    if value < 1 {
        return Err(value_error(py, format!("{name} must be >= 1, got {value}")));
    }
    Ok(value as usize)
}

fn nonneg_order(py: Python<'_>, value: i64, name: &str) -> PyResult<usize> {
    if value < 0 {
        return Err(value_error(py, format!("{name} must be >= 0, got {value}")));
    }
    Ok(value as usize)
}

/// Statistics rows of `width` values each, filled by `row(i, out)` on the workers, as an
/// `(n, width)` array (rows are fixed-size chunks: no allocation per pair).
fn stats_rows<'py, F>(
    py: Python<'py>,
    n: usize,
    width: usize,
    workers: Option<usize>,
    row: F,
) -> PyResult<Bound<'py, PyArray2<i64>>>
where
    F: Fn(usize, &mut [i64]) + Sync + Send,
{
    const GROUP: usize = 64;
    let groups = n.div_ceil(GROUP);
    let parts = par_map(py, groups, workers, |gi| {
        let lo = gi * GROUP;
        let hi = (lo + GROUP).min(n);
        let mut out = vec![0i64; (hi - lo) * width];
        for (i, chunk) in (lo..hi).zip(out.chunks_exact_mut(width.max(1))) {
            row(i, chunk);
        }
        Ok(out)
    })?;
    let mut flat = Vec::with_capacity(n * width);
    for p in parts {
        flat.extend_from_slice(&p);
    }
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
    workers: Option<usize>,
) -> PyResult<(Bound<'py, PyArray2<i64>>, i64)> {
    unicode::ensure(py, tokenize == "intl")?;
    let n_max = order(py, max_ngram_order, "max_ngram_order")?;
    let cfg = BleuConfig::new(tokenize, lowercase, n_max).map_err(|e| metric_error(py, e))?;
    let pairs = Pairs::extract(hypotheses, references)?;
    let width = cfg.n_stats();
    let arr = stats_rows(py, pairs.len(), width, workers, |i, out| {
        pairs.with_pair(i, |h, r| bleu::segment_stats(&cfg, h, r, out))
    })?;
    Ok((arr, pairs.nrefs()))
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
    workers: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    unicode::ensure(py, tokenize == "intl")?;
    let n_max = order(py, max_ngram_order, "max_ngram_order")?;
    let cfg = BleuConfig::new(tokenize, lowercase, n_max).map_err(|e| metric_error(py, e))?;
    let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
        .map_err(|e| metric_error(py, e))?;
    let pairs = Pairs::extract(hypotheses, references)?;
    let scores = par_map(py, pairs.len(), workers, |i| {
        pairs
            .with_pair(i, |h, r| bleu::sentence_bleu(&cfg, &sc, h, r))
            .map_err(|e| e.at(i))
    })?;
    Ok(scores.into_pyarray(py))
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
    let n_max = order(py, max_ngram_order, "max_ngram_order")?;
    let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
        .map_err(|e| metric_error(py, e))?;
    let r = bleu::compute_bleu(&stats, &sc).map_err(|e| metric_error(py, e))?;
    Ok((r.score, r.counts, r.totals, r.precisions, r.bp))
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
    workers: Option<usize>,
) -> PyResult<(Bound<'py, PyArray2<i64>>, i64)> {
    unicode::ensure(py, false)?;
    let cfg = chrf_config(
        py,
        char_order,
        word_order,
        beta,
        lowercase,
        whitespace,
        eps_smoothing,
    )?;
    let pairs = Pairs::extract(hypotheses, references)?;
    let width = cfg.n_stats();
    let arr = stats_rows(py, pairs.len(), width, workers, |i, out| {
        pairs.with_pair(i, |h, r| {
            chrf::segment_stats(&cfg, h, r, out);
        })
    })?;
    Ok((arr, pairs.nrefs()))
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
    workers: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    unicode::ensure(py, false)?;
    let cfg = chrf_config(
        py,
        char_order,
        word_order,
        beta,
        lowercase,
        whitespace,
        eps_smoothing,
    )?;
    let pairs = Pairs::extract(hypotheses, references)?;
    let width = cfg.n_stats();
    let scores = par_map(py, pairs.len(), workers, |i| {
        let mut out = vec![0i64; width];
        Ok(pairs.with_pair(i, |h, r| chrf::segment_stats(&cfg, h, r, &mut out)))
    })?;
    Ok(scores.into_pyarray(py))
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
    unicode::ensure(py, tokenize == "intl")?;
    let tok = Tokenizer::parse(tokenize).map_err(|e| metric_error(py, e))?;
    let lines = extract_strs(lines, "lines")?;
    Ok(lines
        .iter()
        .map(|l| tok.tokenize_joined(l, lowercase))
        .collect())
}

/// Python `str.lower()` of each line, as the Rust core computes it.
#[pyfunction]
fn py_lower(lines: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    unicode::ensure(lines.py(), false)?;
    let lines = extract_strs(lines, "lines")?;
    Ok(lines
        .iter()
        .map(|l| pystr::py_lower(l).into_owned())
        .collect())
}

/// Python `str.split()` of each line, as the Rust core computes it.
#[pyfunction]
fn py_split(lines: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<String>>> {
    unicode::ensure(lines.py(), false)?;
    let lines = extract_strs(lines, "lines")?;
    Ok(lines
        .iter()
        .map(|l| pystr::py_split(l).map(str::to_owned).collect())
        .collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bleu_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_bleu, m)?)?;
    m.add_function(wrap_pyfunction!(bleu_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(chrf_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sentence_chrf, m)?)?;
    m.add_function(wrap_pyfunction!(chrf_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(sacre_tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(py_lower, m)?)?;
    m.add_function(wrap_pyfunction!(py_split, m)?)?;
    Ok(())
}
