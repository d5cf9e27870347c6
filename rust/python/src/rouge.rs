//! ROUGE bindings: borrow the strings, score groups in parallel outside the interpreter lock,
//! return numpy arrays. All metric logic is in `lexmetrics_core::rouge` and `batch::rouge`.

use std::borrow::Borrow;

use lexmetrics_core::batch::rouge as batch;
use lexmetrics_core::rouge::{Doc, Piece, Profile, RougeOptions, RougeType};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyString, PyTuple};

use crate::common::{
    check_same_len, guarded, resolve_workers, run_batch, surrogate_error, type_error, value_error,
    INLINE_BYTES,
};
use crate::texts::extract_pairs;

type Arrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<bool>>);

fn parse_types(py: Python<'_>, names: &[String]) -> PyResult<Vec<RougeType>> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let t = RougeType::parse(n).map_err(|e| value_error(py, e.message))?;
        if out.contains(&t) {
            return Err(value_error(py, format!("duplicate rouge type {n:?}")));
        }
        out.push(t);
    }
    if out.is_empty() {
        return Err(value_error(py, "rouge_types is empty".into()));
    }
    Ok(out)
}

/// Scores every group `i` (prediction `pred(i)` against the references `refs_of(i)`) with
/// `lexmetrics_core::batch::rouge` and lays the results out as `scores[(t*3 + {0:P,1:R,2:F})*n + i]`
/// and `int_zero[t*n + i]`.
#[allow(clippy::too_many_arguments)]
fn run<'py, S, P, D, R>(
    py: Python<'py>,
    n: usize,
    pred: impl Fn(usize) -> P + Sync + Send,
    refs_of: impl Fn(usize) -> R + Sync + Send,
    types: &[RougeType],
    options: RougeOptions,
    workers: usize,
    work_bytes: usize,
) -> PyResult<Arrays<'py>>
where
    S: AsRef<str>,
    P: Borrow<Doc<S>>,
    D: Borrow<Doc<S>>,
    R: IntoIterator<Item = D>,
{
    let (scores, int_zero) = run_batch(py, workers, work_bytes, |b| {
        Ok(batch::score_batch(n, pred, refs_of, types, options, b)?.columns())
    })?;
    Ok((
        PyArray1::from_vec(py, scores),
        PyArray1::from_vec(py, int_zero),
    ))
}

/// Raw texts, tokenized by the profile `tokenizer` (rouge-score's by default), sentences = lines. `references[i]` is a str or a list of str.
/// Returns flat `scores` (types x {P,R,F} x n) and `int_zero` (types x n).
#[pyfunction]
#[pyo3(signature = (predictions, references, rouge_types, use_stemmer=false, workers=None, tokenizer="default"))]
fn rouge_texts<'py>(
    py: Python<'py>,
    predictions: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    rouge_types: Vec<String>,
    use_stemmer: bool,
    workers: Option<&Bound<'py, PyAny>>,
    tokenizer: &str,
) -> PyResult<Arrays<'py>> {
    guarded(|| {
        let opts = options(py, use_stemmer, tokenizer)?;
        let workers = resolve_workers(py, workers)?;
        let types = parse_types(py, &rouge_types)?;
        let (preds, refs, offsets) =
            extract_pairs(predictions, "predictions", references, "references")?;
        check_same_len(
            py,
            preds.len(),
            "predictions",
            offsets.len() - 1,
            "references",
        )?;
        // Borrowed views; `preds` and `refs` stay owned here so Arrow buffers are released attached.
        let (preds, refs) = (&preds, &refs);
        run(
            py,
            preds.len(),
            |i| Doc::Text(preds.get(i)),
            |i| (offsets[i]..offsets[i + 1]).map(|j| Doc::Text(refs.get(j))),
            &types,
            opts,
            workers,
            preds
                .bytes_upto(INLINE_BYTES)
                .saturating_add(refs.bytes_upto(INLINE_BYTES)),
        )
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A str (tokenized here) or a sequence of str tokens (used verbatim).
fn extract_piece(
    obj: &Bound<'_, PyAny>,
    what: &dyn Fn() -> String,
) -> PyResult<Piece<PyBackedStr>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        return obj
            .extract::<PyBackedStr>()
            .map(Piece::Text)
            .map_err(|_| surrogate_error(obj, &what()));
    }
    let it = obj.try_iter().map_err(|_| {
        type_error(
            py,
            format!(
                "{} must be str or a list of str tokens, got {}",
                what(),
                type_name(obj)
            ),
        )
    })?;
    let mut toks = Vec::new();
    for (k, t) in it.enumerate() {
        let t = t?;
        match t.extract::<PyBackedStr>() {
            Ok(s) => toks.push(s),
            Err(_) if t.is_instance_of::<PyString>() => {
                return Err(surrogate_error(&t, &format!("{}[{k}]", what())))
            }
            Err(_) => {
                return Err(type_error(
                    py,
                    format!("{}[{k}] must be a str token, got {}", what(), type_name(&t)),
                ))
            }
        }
    }
    Ok(Piece::Tokens(toks))
}

/// `(whole, sents)`: whole is str | list[str] | None; sents is a list of (str | list[str]) or None.
fn extract_doc(obj: &Bound<'_, PyAny>, what: &str, i: usize) -> PyResult<Doc<PyBackedStr>> {
    let py = obj.py();
    let tup = obj
        .cast::<PyTuple>()
        .ok()
        .filter(|t| t.len() == 2)
        .ok_or_else(|| {
            type_error(
                py,
                format!(
                    "{what}[{i}] must be a (whole, sentences) tuple, got {}",
                    type_name(obj)
                ),
            )
        })?;
    let whole = tup.get_item(0)?;
    let sents = tup.get_item(1)?;
    let whole = if whole.is_none() {
        None
    } else {
        Some(extract_piece(&whole, &|| format!("{what}[{i}]"))?)
    };
    let sents = if sents.is_none() {
        None
    } else {
        let it = sents.try_iter().map_err(|_| {
            type_error(
                py,
                format!(
                    "{what}[{i}] sentences must be a list, got {}",
                    type_name(&sents)
                ),
            )
        })?;
        let mut v = Vec::new();
        for (k, s) in it.enumerate() {
            v.push(extract_piece(&s?, &|| format!("{what}[{i}] sentence {k}"))?);
        }
        Some(v)
    };
    Ok(Doc::Parts { whole, sents })
}

/// Input size of pre-split documents for `run_batch` (exact up to `INLINE_BYTES`).
fn docs_bytes(docs: &[Doc<PyBackedStr>]) -> usize {
    let piece = |p: &Piece<PyBackedStr>| match p {
        Piece::Text(t) => t.len(),
        Piece::Tokens(ts) => ts.iter().map(|t| t.len() + 1).sum(),
    };
    let mut total = 0usize;
    for d in docs {
        total += match d {
            Doc::Text(t) => t.len(),
            Doc::Parts { whole, sents } => {
                whole.as_ref().map_or(0, piece) + sents.iter().flatten().map(piece).sum::<usize>()
            }
        };
        if total > INLINE_BYTES {
            break;
        }
    }
    total
}

fn extract_docs(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Doc<PyBackedStr>>> {
    let py = obj.py();
    let it = obj.try_iter().map_err(|_| {
        type_error(
            py,
            format!("{what} must be a sequence, got {}", type_name(obj)),
        )
    })?;
    let mut out = Vec::new();
    for (i, d) in it.enumerate() {
        out.push(extract_doc(&d?, what, i)?);
    }
    Ok(out)
}

/// Pre-split / pre-tokenized documents (custom tokenizer, `split_summaries`). Each document is
/// `(whole, sents)`; `ref_offsets` (length n+1) groups the flat `references` per prediction.
#[pyfunction]
#[pyo3(signature = (predictions, references, ref_offsets, rouge_types, use_stemmer=false, workers=None, tokenizer="default"))]
#[allow(clippy::too_many_arguments)]
fn rouge_docs<'py>(
    py: Python<'py>,
    predictions: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
    ref_offsets: Vec<usize>,
    rouge_types: Vec<String>,
    use_stemmer: bool,
    workers: Option<&Bound<'py, PyAny>>,
    tokenizer: &str,
) -> PyResult<Arrays<'py>> {
    guarded(|| {
        let opts = options(py, use_stemmer, tokenizer)?;
        let workers = resolve_workers(py, workers)?;
        let types = parse_types(py, &rouge_types)?;
        let preds = extract_docs(predictions, "predictions")?;
        let refs = extract_docs(references, "references")?;
        let ok = ref_offsets.len() == preds.len() + 1
            && ref_offsets.first() == Some(&0)
            && ref_offsets.last() == Some(&refs.len())
            && ref_offsets.windows(2).all(|w| w[0] < w[1]);
        if !ok {
            return Err(value_error(
            py,
            "ref_offsets must rise strictly from 0 to len(references), one group per prediction"
                .into(),
        ));
        }
        run(
            py,
            preds.len(),
            |i| &preds[i],
            |i| &refs[ref_offsets[i]..ref_offsets[i + 1]],
            &types,
            opts,
            workers,
            docs_bytes(&preds).saturating_add(docs_bytes(&refs)),
        )
    })
}

/// The scorer options; an unknown tokenizer profile is a ValueError naming the option.
fn options(py: Python<'_>, use_stemmer: bool, tokenizer: &str) -> PyResult<RougeOptions> {
    let tokenizer = Profile::parse(tokenizer).map_err(|e| value_error(py, e.message))?;
    if tokenizer != Profile::Default {
        // The profiles lowercase as this interpreter's `str.lower()`.
        crate::unicode::ensure(py, false)?;
    }
    Ok(RougeOptions {
        use_stemmer,
        tokenizer,
    })
}

/// A tokenizer profile's tokens of one text (`default`: `rouge_score.tokenize.tokenize`).
#[pyfunction]
#[pyo3(signature = (text, use_stemmer=false, tokenizer="default"))]
fn rouge_tokenize(
    py: Python<'_>,
    text: PyBackedStr,
    use_stemmer: bool,
    tokenizer: &str,
) -> PyResult<Vec<String>> {
    guarded(|| {
        let opts = options(py, use_stemmer, tokenizer)?;
        Ok(lexmetrics_core::rouge_tokenize::tokenize_profile(
            &text,
            opts.tokenizer,
            opts.use_stemmer,
        ))
    })
}

/// The first text of which the default tokenizer drops most letters and digits (non-ASCII),
/// as `("predictions" | "references", pair index)`, or None.
#[pyfunction]
fn rouge_default_drops<'py>(
    py: Python<'py>,
    predictions: &Bound<'py, PyAny>,
    references: &Bound<'py, PyAny>,
) -> PyResult<Option<(&'static str, usize)>> {
    guarded(|| {
        let (preds, refs, offsets) =
            extract_pairs(predictions, "predictions", references, "references")?;
        let (preds, refs) = (&preds, &refs);
        let drops = |t: &str| lexmetrics_core::rouge_tokenize::default_drop_count(t).drops_most();
        Ok(py.detach(|| {
            for i in 0..preds.len().min(offsets.len().saturating_sub(1)) {
                if drops(preds.get(i)) {
                    return Some(("predictions", i));
                }
                if (offsets[i]..offsets[i + 1]).any(|j| drops(refs.get(j))) {
                    return Some(("references", i));
                }
            }
            None
        }))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rouge_tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(rouge_default_drops, m)?)?;
    m.add_function(wrap_pyfunction!(rouge_texts, m)?)?;
    m.add_function(wrap_pyfunction!(rouge_docs, m)?)?;
    Ok(())
}
