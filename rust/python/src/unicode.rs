//! Unicode tables for this process: the binding asks `lexmetrics._unicode` once, at the first call
//! that needs them, to choose bundled tables or install ones built from the environment.

use std::sync::atomic::{AtomicBool, Ordering};

use lexmetrics_core::unicode_data::{self, ChoiceError, Source};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::common::value_error;

static PYTHON_READY: AtomicBool = AtomicBool::new(false);
static REGEX_READY: AtomicBool = AtomicBool::new(false);

/// Makes sure the core uses this interpreter's case/whitespace tables (and, with `intl`, the
/// installed `regex` module's classes) before any text is processed.
pub fn ensure(py: Python<'_>, intl: bool) -> PyResult<()> {
    if PYTHON_READY.load(Ordering::Acquire) && (!intl || REGEX_READY.load(Ordering::Acquire)) {
        return Ok(());
    }
    py.import("lexmetrics._unicode")?
        .call_method1("install", (intl,))?;
    Ok(())
}

fn choice_error(py: Python<'_>, e: ChoiceError) -> PyErr {
    match e {
        ChoiceError::AlreadyChosen(v) => value_error(
            py,
            format!("other Unicode tables ({v}) are already in use in this process"),
        ),
        ChoiceError::Malformed(what) => {
            value_error(py, format!("malformed Unicode table {what:?}"))
        }
    }
}

#[pyfunction]
fn _use_bundled_python_tables(py: Python<'_>, unidata_version: &str) -> PyResult<bool> {
    let ok = unicode_data::use_bundled_python_tables(unidata_version)
        .map_err(|e| choice_error(py, e))?;
    if ok {
        PYTHON_READY.store(true, Ordering::Release);
    }
    Ok(ok)
}

#[pyfunction]
fn _use_bundled_regex_classes(py: Python<'_>, regex_version: &str) -> PyResult<bool> {
    let ok =
        unicode_data::use_bundled_regex_classes(regex_version).map_err(|e| choice_error(py, e))?;
    if ok {
        REGEX_READY.store(true, Ordering::Release);
    }
    Ok(ok)
}

#[pyfunction]
fn _set_python_tables(
    py: Python<'_>,
    unidata_version: String,
    whitespace: Vec<(u32, u32)>,
    lower: Vec<(u32, u32, u32, u32)>,
    case_ignorable: Vec<(u32, u32)>,
    cased: Vec<(u32, u32)>,
) -> PyResult<()> {
    let lower = lower
        .into_iter()
        .map(|(cp, a, b, c)| (cp, [a, b, c]))
        .collect();
    unicode_data::install_python_tables(unidata_version, whitespace, lower, case_ignorable, cased)
        .map_err(|e| choice_error(py, e))?;
    PYTHON_READY.store(true, Ordering::Release);
    Ok(())
}

#[pyfunction]
fn _set_regex_classes(
    py: Python<'_>,
    regex_version: String,
    p: Vec<(u32, u32)>,
    s: Vec<(u32, u32)>,
    n: Vec<(u32, u32)>,
) -> PyResult<()> {
    unicode_data::install_regex_classes(regex_version, p, s, n).map_err(|e| choice_error(py, e))?;
    REGEX_READY.store(true, Ordering::Release);
    Ok(())
}

fn source_name(s: Source) -> &'static str {
    match s {
        Source::Bundled => "bundled",
        Source::Installed => "computed",
        Source::Default => "default",
    }
}

/// `{"python": (unidata version, source), "regex": (release, source), "bundled_python": [...],
/// "bundled_regex": release}`.
#[pyfunction]
fn _unicode_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let ((pv, ps), (rv, rs)) = unicode_data::info();
    let d = PyDict::new(py);
    d.set_item("python", (pv, source_name(ps)))?;
    d.set_item("regex", (rv, source_name(rs)))?;
    let bundled: Vec<&str> = unicode_data::bundled_python_versions().collect();
    d.set_item("bundled_python", bundled)?;
    d.set_item("bundled_regex", unicode_data::bundled_regex_version())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_use_bundled_python_tables, m)?)?;
    m.add_function(wrap_pyfunction!(_use_bundled_regex_classes, m)?)?;
    m.add_function(wrap_pyfunction!(_set_python_tables, m)?)?;
    m.add_function(wrap_pyfunction!(_set_regex_classes, m)?)?;
    m.add_function(wrap_pyfunction!(_unicode_info, m)?)?;
    Ok(())
}
