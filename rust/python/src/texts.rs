//! `Texts`: one column of input strings, borrowed either from Python `str` objects or from Arrow
//! buffers (pyarrow, polars, pandas with pyarrow-backed strings), read as `&str` without copies.

use std::ops::Index;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PyString, PyTuple};

pub use crate::arrow::NullPolicy;
use crate::arrow::{import_strings, ArrowStrings};
use lexmetrics_core::batch::Corpus;

use crate::common::{
    check_same_len, extract_refs, extract_strs, extract_strs_pending, guarded, surrogate_error,
    type_error, value_error, INLINE_BYTES,
};
use crate::surrogates::{remap, Pending};

enum Inner {
    Py(Vec<PyBackedStr>),
    Arrow(ArrowStrings),
}

/// A column of texts: `len()`, `get(i)`, `texts[i]` (a `&str`), `iter()`.
///
/// `Sync`, so `&Texts` can be read by rayon workers inside `py.detach`. Not `Send`: it is dropped
/// where it was extracted (while attached), which releases the Arrow arrays it borrows.
pub struct Texts {
    inner: Inner,
}

impl Texts {
    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::Py(v) => v.len(),
            Inner::Arrow(a) => a.len(),
        }
    }

    #[allow(dead_code)] // API for the metric bindings (clippy wants it next to `len`)
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`. Panics if `i >= len()`, like slice indexing.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        match &self.inner {
            Inner::Py(v) => &v[i],
            Inner::Arrow(a) => a.get(i),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Replaces row `i` of a column read from Python objects (lone-surrogate remapping).
    pub fn set(&mut self, i: usize, s: PyBackedStr) -> PyResult<()> {
        match &mut self.inner {
            Inner::Py(v) if i < v.len() => {
                v[i] = s;
                Ok(())
            }
            _ => Err(crate::common::internal_error(format!(
                "cannot replace row {i} of this column"
            ))),
        }
    }

    /// Total UTF-8 bytes of the rows, counted only up to a little past `limit` (a cheap size
    /// estimate that does not walk a huge column).
    pub fn bytes_upto(&self, limit: usize) -> usize {
        let mut total = 0usize;
        for s in self.iter() {
            total += s.len();
            if total > limit {
                break;
            }
        }
        total
    }

    /// Whether the rows are borrowed from Arrow buffers (rather than Python `str` objects).
    pub fn is_arrow(&self) -> bool {
        matches!(self.inner, Inner::Arrow(_))
    }
}

// The metric bindings read `&Texts` from rayon workers inside `py.detach`.
const _: () = {
    const fn assert_sync<T: Sync>() {}
    assert_sync::<Texts>();
};

impl Index<usize> for Texts {
    type Output = str;

    #[inline]
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl From<Vec<PyBackedStr>> for Texts {
    fn from(v: Vec<PyBackedStr>) -> Self {
        Texts {
            inner: Inner::Py(v),
        }
    }
}

/// Borrows a column of texts. Null rows (Arrow nulls, `None`) raise `InputTypeError("what[i] is null")`.
pub fn extract_texts(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Texts> {
    extract_texts_with(obj, what, NullPolicy::Error)
}

/// `extract_texts` with an explicit null policy (`NullPolicy::Empty` reads nulls and `None` as "").
pub fn extract_texts_with(
    obj: &Bound<'_, PyAny>,
    what: &str,
    nulls: NullPolicy,
) -> PyResult<Texts> {
    extract_texts_from(obj, arrow_source(obj)?, what, nulls)
}

/// `extract_texts_with` once `arrow_source(obj)` is known.
fn extract_texts_from(
    obj: &Bound<'_, PyAny>,
    source: Option<Bound<'_, PyAny>>,
    what: &str,
    nulls: NullPolicy,
) -> PyResult<Texts> {
    if let Some(source) = source {
        if let Some(col) = import_strings(&source, what, nulls)? {
            return Ok(Texts {
                inner: Inner::Arrow(col),
            });
        }
    }
    match nulls {
        NullPolicy::Error => extract_strs(obj, what).map(Texts::from),
        NullPolicy::Empty => extract_strs_or_empty(obj, what).map(Texts::from),
    }
}

/// The object to import through Arrow, if any. pandas Series/Index export `__arrow_c_stream__`
/// for every dtype, but only pyarrow-backed ones are zero-copy: object and `string[python]`
/// columns go the Python path (borrowing the existing `str` objects beats a conversion).
fn arrow_source<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
    {
        return Ok(None);
    }
    let module = obj.get_type().module()?;
    if module.to_cow()?.starts_with("pandas") {
        // A DataFrame (no single dtype) goes on to the generic check below, which refuses it.
        if let Ok(dtype) = obj.getattr("dtype") {
            let arrow_backed = dtype
                .getattr("storage")
                .is_ok_and(|s| s.extract::<String>().is_ok_and(|s| s == "pyarrow"))
                || dtype.get_type().name()?.to_cow()? == "ArrowDtype";
            if !arrow_backed {
                return Ok(None);
            }
            if obj.hasattr("__arrow_c_stream__")? {
                return Ok(Some(obj.clone()));
            }
            // pandas < 2.2 has no capsule export; `pyarrow.array` returns the backing ChunkedArray.
            let pa = obj.py().import("pyarrow")?;
            return Ok(Some(pa.call_method1("array", (obj,))?));
        }
    }
    if obj.hasattr("__arrow_c_stream__")? || obj.hasattr("__arrow_c_array__")? {
        return Ok(Some(obj.clone()));
    }
    Ok(None)
}

/// `common::extract_strs`, but `None` items read as "" (all sharing one empty `str`).
fn extract_strs_or_empty(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<PyBackedStr>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        return Err(type_error(
            py,
            format!("{what} must be a sequence of str, not a single str"),
        ));
    }
    let empty: PyBackedStr = PyString::new(py, "").try_into()?;
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    let items = obj.try_iter().map_err(|_| {
        type_error(
            py,
            format!("{what} must be a sequence of str, got {}", obj.get_type()),
        )
    })?;
    for (i, item) in items.enumerate() {
        let item = item?;
        if item.is_none() {
            out.push(empty.clone_ref(py));
        } else {
            out.push(item.extract::<PyBackedStr>().map_err(|_| {
                if item.is_instance_of::<PyString>() {
                    return surrogate_error(&item, &format!("{what}[{i}]"));
                }
                type_error(
                    py,
                    format!("{what}[{i}] must be str, got {}", item.get_type()),
                )
            })?);
        }
    }
    Ok(out)
}

/// What the test hooks extract: exactly what a metric binding calls for each null policy.
fn extract_for_test(obj: &Bound<'_, PyAny>, what: &str, nulls: &str) -> PyResult<Texts> {
    match nulls {
        "error" => extract_texts(obj, what),
        "empty" => extract_texts_with(obj, what, NullPolicy::Empty),
        _ => Err(value_error(
            obj.py(),
            format!("nulls must be 'error' or 'empty', got {nulls:?}"),
        )),
    }
}

/// Test hook: the rows as `extract_texts` sees them.
#[pyfunction]
#[pyo3(signature = (obj, *, nulls = "error", what = "texts"))]
fn _texts_debug(obj: &Bound<'_, PyAny>, nulls: &str, what: &str) -> PyResult<Vec<String>> {
    guarded(|| {
        let texts = extract_for_test(obj, what, nulls)?;
        Ok(texts.iter().map(str::to_owned).collect())
    })
}

/// Test hook: total UTF-8 bytes of the rows, summed detached from the interpreter (no per-row
/// Python objects are made on the Arrow path).
#[pyfunction]
#[pyo3(signature = (obj, *, nulls = "error", what = "texts"))]
fn _texts_total_bytes(obj: &Bound<'_, PyAny>, nulls: &str, what: &str) -> PyResult<usize> {
    let py = obj.py();
    guarded(|| {
        let texts = extract_for_test(obj, what, nulls)?;
        let texts = &texts;
        Ok(py.detach(|| texts.iter().map(str::len).sum()))
    })
}

/// Test hook: which path `extract_texts` takes for `obj` ("arrow" or "python").
#[pyfunction]
#[pyo3(signature = (obj, *, nulls = "error"))]
fn _texts_source(obj: &Bound<'_, PyAny>, nulls: &str) -> PyResult<&'static str> {
    guarded(|| {
        let texts = extract_for_test(obj, "texts", nulls)?;
        Ok(if texts.is_arrow() { "arrow" } else { "python" })
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_texts_debug, m)?)?;
    m.add_function(wrap_pyfunction!(_texts_total_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(_texts_source, m)?)?;
    Ok(())
}

/// References per prediction: an Arrow string column (one reference per row), or a Python
/// sequence whose items are a `str` or a non-empty sequence of `str` (`common::extract_refs`).
/// Returns the flat texts and offsets (`refs[offsets[i]..offsets[i+1]]` belong to pair `i`).
pub fn extract_refs_texts(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(Texts, Vec<usize>)> {
    if arrow_source(obj)?.is_some() {
        let texts = extract_texts(obj, what)?;
        let offsets = (0..=texts.len()).collect();
        return Ok((texts, offsets));
    }
    let (flat, offsets) = extract_refs(obj, what, None)?;
    Ok((Texts::from(flat), offsets))
}

/// Predictions (or hypotheses) and their references for a metric call, as
/// `extract_texts` + `extract_refs_texts`, except that `str` items holding lone surrogates are
/// scored like sacrebleu does (see `surrogates`) instead of refused.
pub fn extract_pairs(
    preds: &Bound<'_, PyAny>,
    preds_what: &str,
    refs: &Bound<'_, PyAny>,
    refs_what: &str,
) -> PyResult<(Texts, Texts, Vec<usize>)> {
    let py = preds.py();
    let (mut pp, mut pr) = (Pending::new(), Pending::new());
    let mut p = match arrow_source(preds)? {
        Some(source) => extract_texts_from(preds, Some(source), preds_what, NullPolicy::Error)?,
        None => Texts::from(extract_strs_pending(preds, preds_what, Some(&mut pp))?),
    };
    let (mut r, offsets) = if arrow_source(refs)?.is_some() {
        extract_refs_texts(refs, refs_what)?
    } else {
        let (flat, offsets) = extract_refs(refs, refs_what, Some(&mut pr))?;
        (Texts::from(flat), offsets)
    };
    if !pp.is_empty() || !pr.is_empty() {
        remap(py, &mut [(&mut p, pp), (&mut r, pr)])?;
    }
    Ok((p, r, offsets))
}

/// Hypotheses (or predictions) and their references, as the core's batch functions read them.
pub struct Pairs {
    pub hyps: Texts,
    pub refs: Texts,
    pub offsets: Vec<usize>,
}

impl Pairs {
    /// Groups `refs` by `offsets`, raising unless there is one group per hypothesis.
    pub fn new(
        py: Python<'_>,
        (hyps, hyps_what): (Texts, &str),
        (refs, refs_what): (Texts, &str),
        offsets: Vec<usize>,
    ) -> PyResult<Self> {
        check_same_len(py, hyps.len(), hyps_what, offsets.len() - 1, refs_what)?;
        Ok(Self {
            hyps,
            refs,
            offsets,
        })
    }

    /// `extract_pairs`, one group per hypothesis.
    pub fn extract(
        hyps: &Bound<'_, PyAny>,
        hyps_what: &str,
        refs: &Bound<'_, PyAny>,
        refs_what: &str,
    ) -> PyResult<Self> {
        let (h, r, offsets) = extract_pairs(hyps, hyps_what, refs, refs_what)?;
        Self::new(hyps.py(), (h, hyps_what), (r, refs_what), offsets)
    }

    /// Input size for `run_batch` (exact up to `INLINE_BYTES`).
    pub fn work_bytes(&self) -> usize {
        self.hyps
            .bytes_upto(INLINE_BYTES)
            .saturating_add(self.refs.bytes_upto(INLINE_BYTES))
    }

    /// References per segment for the signature: the common count, or -1 when it varies.
    pub fn nrefs(&self) -> i64 {
        lexmetrics_core::batch::nrefs(&self.offsets)
    }
}

impl Corpus for Pairs {
    fn len(&self) -> usize {
        self.hyps.len()
    }
    #[inline]
    fn hyp(&self, i: usize) -> &str {
        self.hyps.get(i)
    }
    #[inline]
    fn refs<'s>(&'s self, i: usize, out: &mut Vec<&'s str>) {
        out.extend((self.offsets[i]..self.offsets[i + 1]).map(|j| self.refs.get(j)));
    }
}
