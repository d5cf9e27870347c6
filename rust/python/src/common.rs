//! Shared plumbing for every batch call: input extraction with indexed errors, `workers=`
//! validation, the one mapping from core errors to Python exceptions, and the bridge that runs a
//! core batch (`lexmetrics_core::parallel`) outside the interpreter lock with Ctrl-C polled.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use lexmetrics_core::error::{ErrorKind, MetricError};
use lexmetrics_core::parallel::{self, Batch, Signals};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyInt, PyList, PyString, PyTuple};

use crate::surrogates::Pending;

pub use lexmetrics_core::parallel::INLINE_BYTES;

// The classes are imported once (cached by PyO3), not looked up per raise.
pyo3::import_exception!(lexmetrics._errors, InputTypeError);
pyo3::import_exception!(lexmetrics._errors, InputValueError);
pyo3::import_exception!(lexmetrics._errors, InternalError);

/// `lexmetrics.InputTypeError(msg)` (a `TypeError` subclass).
pub fn type_error(_py: Python<'_>, msg: String) -> PyErr {
    InputTypeError::new_err(msg)
}

/// `lexmetrics.InputValueError(msg)` (a `ValueError` subclass).
pub fn value_error(_py: Python<'_>, msg: String) -> PyErr {
    InputValueError::new_err(msg)
}

/// `lexmetrics.InternalError(msg)`: a bug in lexmetrics, never the user's input.
pub fn internal_error(msg: String) -> PyErr {
    InternalError::new_err(format!(
        "{msg} (a bug in lexmetrics: please report it with the input that caused it)"
    ))
}

pub fn metric_error(py: Python<'_>, e: MetricError) -> PyErr {
    match e.kind {
        ErrorKind::Internal => internal_error(e.to_string()),
        ErrorKind::Interrupted => pyo3::exceptions::PyKeyboardInterrupt::new_err(()),
        ErrorKind::Value | ErrorKind::Unsupported => value_error(py, e.to_string()),
    }
}

/// Runs one native entry point, turning a Rust panic into `lexmetrics.InternalError` (a
/// `PanicException` would be a `BaseException` that `except Exception` does not catch).
pub fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(internal_error(parallel::panic_message(&*p))))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Borrows every item of a sequence of `str` (no copies). `what` names the argument in errors.
pub fn extract_strs(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<PyBackedStr>> {
    extract_strs_pending(obj, what, None)
}

/// The error for a `str` that is not valid Unicode (lone surrogates), naming the first one.
pub fn surrogate_error(item: &Bound<'_, PyAny>, name: &str) -> PyErr {
    let py = item.py();
    let at = item
        .try_iter()
        .ok()
        .and_then(|it| {
            it.enumerate().find_map(|(k, c)| {
                let c = c.ok()?;
                c.extract::<PyBackedStr>().is_err().then(|| {
                    let cp = c
                        .call_method0("__repr__")
                        .map(|r| r.to_string())
                        .unwrap_or_default();
                    format!(" (character {k}, {cp})")
                })
            })
        })
        .unwrap_or_default();
    type_error(
        py,
        format!("{name} holds a lone surrogate{at}: it is not valid Unicode text here"),
    )
}

/// Records a lone-surrogate `str` in `pending` (to be remapped) and returns a placeholder, or
/// fails naming it when the caller does not remap.
fn surrogate_item(
    item: &Bound<'_, PyAny>,
    index: usize,
    name: impl FnOnce() -> String,
    pending: Option<&mut Pending>,
) -> PyResult<PyBackedStr> {
    let name = name();
    match (pending, item.cast::<PyString>()) {
        (Some(p), Ok(s)) => {
            p.push((index, name, s.clone().unbind()));
            PyString::new(item.py(), "").try_into()
        }
        _ => Err(surrogate_error(item, &name)),
    }
}

/// `extract_strs`, recording lone-surrogate strings in `pending` instead of failing.
pub fn extract_strs_pending(
    obj: &Bound<'_, PyAny>,
    what: &str,
    mut pending: Option<&mut Pending>,
) -> PyResult<Vec<PyBackedStr>> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        return Err(type_error(
            py,
            format!("{what} must be a sequence of str, not a single str"),
        ));
    }
    let n = obj.len().map_err(|_| {
        type_error(
            py,
            format!("{what} must be a sequence of str, got {}", type_name(obj)),
        )
    })?;
    let mut out = Vec::with_capacity(n);
    let mut push = |out: &mut Vec<PyBackedStr>, i: usize, item: Bound<'_, PyAny>| -> PyResult<()> {
        match item.extract::<PyBackedStr>() {
            Ok(s) => {
                out.push(s);
                Ok(())
            }
            Err(_) if item.is_instance_of::<PyString>() => {
                let s = surrogate_item(
                    &item,
                    out.len(),
                    || format!("{what}[{i}]"),
                    pending.as_deref_mut(),
                )?;
                out.push(s);
                Ok(())
            }
            Err(_) => Err(type_error(
                py,
                format!("{what}[{i}] must be str, got {}", type_name(&item)),
            )),
        }
    };
    if let Ok(list) = obj.cast::<PyList>() {
        for (i, item) in list.iter().enumerate() {
            push(&mut out, i, item)?;
        }
    } else if let Ok(tup) = obj.cast::<PyTuple>() {
        for (i, item) in tup.iter().enumerate() {
            push(&mut out, i, item)?;
        }
    } else {
        for (i, item) in obj.try_iter()?.enumerate() {
            push(&mut out, i, item?)?;
        }
    }
    Ok(out)
}

/// References per prediction: item `i` is a `str` or a non-empty sequence of `str`.
/// Returns the flat strings and offsets (`refs[offsets[i]..offsets[i+1]]` belong to pair `i`).
pub fn extract_refs(
    obj: &Bound<'_, PyAny>,
    what: &str,
    mut pending: Option<&mut Pending>,
) -> PyResult<(Vec<PyBackedStr>, Vec<usize>)> {
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        return Err(type_error(
            py,
            format!("{what} must be a sequence, not a single str"),
        ));
    }
    let mut flat = Vec::new();
    let mut offsets = vec![0usize];
    for (i, item) in obj
        .try_iter()
        .map_err(|_| {
            type_error(
                py,
                format!("{what} must be a sequence, got {}", type_name(obj)),
            )
        })?
        .enumerate()
    {
        let item = item?;
        if let Ok(s) = item.extract::<PyBackedStr>() {
            flat.push(s);
        } else if item.is_instance_of::<PyString>() {
            let s = surrogate_item(
                &item,
                flat.len(),
                || format!("{what}[{i}]"),
                pending.as_deref_mut(),
            )?;
            flat.push(s);
        } else if item.is_none() {
            return Err(type_error(py, format!("{what}[{i}] is None")));
        } else if item.is_instance_of::<PyBytes>() || item.is_instance_of::<PyByteArray>() {
            // Iterating bytes would blame its first int; name the bytes object itself.
            return Err(type_error(
                py,
                format!(
                    "{what}[{i}] must be str or a sequence of str, got {} (decode it first)",
                    type_name(&item)
                ),
            ));
        } else {
            let inner = item.try_iter().map_err(|_| {
                type_error(
                    py,
                    format!(
                        "{what}[{i}] must be str or a sequence of str, got {}",
                        type_name(&item)
                    ),
                )
            })?;
            let before = flat.len();
            for (k, r) in inner.enumerate() {
                let r = r?;
                match r.extract::<PyBackedStr>() {
                    Ok(s) => flat.push(s),
                    Err(_) if r.is_instance_of::<PyString>() => {
                        let s = surrogate_item(
                            &r,
                            flat.len(),
                            || format!("{what}[{i}][{k}]"),
                            pending.as_deref_mut(),
                        )?;
                        flat.push(s);
                    }
                    Err(_) => {
                        return Err(type_error(
                            py,
                            format!("{what}[{i}][{k}] must be str, got {}", type_name(&r)),
                        ))
                    }
                }
            }
            if flat.len() == before {
                return Err(value_error(py, format!("{what}[{i}] has no references")));
            }
        }
        offsets.push(flat.len());
    }
    Ok((flat, offsets))
}

/// Raises unless `a == b`, naming both arguments.
pub fn check_same_len(py: Python<'_>, a: usize, an: &str, b: usize, bn: &str) -> PyResult<()> {
    if a != b {
        return Err(value_error(
            py,
            format!("{an} and {bn} differ in length ({a} != {b})"),
        ));
    }
    Ok(())
}

/// Worker count when the caller passes `workers=None`: `LEXMETRICS_NUM_THREADS`, else all cores.
#[pyfunction]
pub fn default_workers() -> usize {
    parallel::default_workers()
}

/// The one validation of `workers=` for every entry point: None (the default), or an int >= 1
/// (not a bool), clamped to `max_workers()`.
pub fn resolve_workers(py: Python<'_>, workers: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
    let Some(obj) = workers.filter(|w| !w.is_none()) else {
        return Ok(default_workers());
    };
    let bad_type = || {
        type_error(
            py,
            format!(
                "workers must be an int >= 1 or None, got {}",
                type_name(obj)
            ),
        )
    };
    if obj.is_instance_of::<PyBool>() {
        return Err(bad_type());
    }
    let n: i64 = match obj.extract::<i64>() {
        Ok(n) => n,
        // An int beyond i64: huge positive is clamped like any large count.
        Err(_) if obj.is_instance_of::<PyInt>() => {
            if obj.gt(0)? {
                i64::MAX
            } else {
                i64::MIN
            }
        }
        Err(_) => return Err(bad_type()),
    };
    if n < 1 {
        return Err(value_error(py, format!("workers must be >= 1, got {obj}")));
    }
    Ok(usize::try_from(n)
        .unwrap_or(usize::MAX)
        .min(parallel::max_workers()))
}

/// The interpreter's pending signals, polled by the core while a batch runs; the handler's
/// exception (KeyboardInterrupt, or whatever a custom handler raised) is kept to be raised.
#[derive(Default)]
struct PySignals {
    raised: Mutex<Option<PyErr>>,
}

impl Signals for PySignals {
    fn poll(&self) -> bool {
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(e) => {
                *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                true
            }
        })
    }
}

/// Runs a core batch `job` outside the interpreter lock with Ctrl-C polled (`workers` from
/// `resolve_workers`, `work_bytes` the input size estimate, exact up to `INLINE_BYTES`), and maps
/// its error: a signal's own exception, else `metric_error`.
pub fn run_batch<R: Send>(
    py: Python<'_>,
    workers: usize,
    work_bytes: usize,
    job: impl FnOnce(&Batch<'_>) -> Result<R, MetricError> + Send,
) -> PyResult<R> {
    let signals = PySignals::default();
    let r = py.detach(|| {
        let batch = Batch::new(workers).work_bytes(work_bytes).signals(&signals);
        job(&batch)
    });
    r.map_err(|e| {
        match signals
            .raised
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
        {
            Some(raised) => raised,
            None => metric_error(py, e),
        }
    })
}

/// Computes `f(i)` for `i in 0..n` on `workers` threads outside the interpreter lock
/// (`parallel::par_map` through `run_batch`). Output order is `0..n` whatever the worker count.
pub fn par_map<T, F>(
    py: Python<'_>,
    n: usize,
    workers: usize,
    work_bytes: usize,
    f: F,
) -> PyResult<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T, MetricError> + Sync + Send,
{
    run_batch(py, workers, work_bytes, |b| parallel::par_map(n, b, f))
}

/// Test hook: panics inside the entry point (`at is None`) or in worker item `at` of `n`, to
/// check that a bug surfaces as `InternalError` and never as a `PanicException`.
#[pyfunction]
#[pyo3(signature = (n, at=None, workers=None))]
pub fn _panic_test_hook(
    py: Python<'_>,
    n: usize,
    at: Option<usize>,
    workers: Option<&Bound<'_, PyAny>>,
) -> PyResult<usize> {
    guarded(|| {
        let workers = resolve_workers(py, workers)?;
        let Some(at) = at else {
            panic!("test hook panic at entry");
        };
        let v = par_map(py, n, workers, n, |i| {
            if i == at {
                panic!("test hook panic at item {i}");
            }
            Ok(i)
        })?;
        Ok(v.len())
    })
}
