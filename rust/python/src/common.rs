//! Shared plumbing for every batch call: input extraction with indexed errors, worker pools,
//! chunked parallel execution outside the interpreter lock with Ctrl-C polling between chunks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use lexmetrics_core::error::MetricError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PyString, PyTuple};
use rayon::prelude::*;

/// Pairs per chunk between two checks for Ctrl-C. Results do not depend on it.
pub const CHUNK: usize = 1 << 14;

fn errors_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("lexmetrics._errors")
}

/// `lexmetrics.InputTypeError(msg)` (a `TypeError` subclass).
pub fn type_error(py: Python<'_>, msg: String) -> PyErr {
    match errors_module(py).and_then(|m| m.getattr("InputTypeError")) {
        Ok(cls) => match cls.call1((msg,)) {
            Ok(inst) => PyErr::from_value(inst),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// `lexmetrics.InputValueError(msg)` (a `ValueError` subclass).
pub fn value_error(py: Python<'_>, msg: String) -> PyErr {
    match errors_module(py).and_then(|m| m.getattr("InputValueError")) {
        Ok(cls) => match cls.call1((msg,)) {
            Ok(inst) => PyErr::from_value(inst),
            Err(e) => e,
        },
        Err(_) => PyValueError::new_err(msg),
    }
}

pub fn metric_error(py: Python<'_>, e: MetricError) -> PyErr {
    value_error(py, e.to_string())
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Borrows every item of a sequence of `str` (no copies). `what` names the argument in errors.
pub fn extract_strs(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<PyBackedStr>> {
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
    let push = |out: &mut Vec<PyBackedStr>, i: usize, item: Bound<'_, PyAny>| -> PyResult<()> {
        match item.extract::<PyBackedStr>() {
            Ok(s) => {
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
        } else if item.is_none() {
            return Err(type_error(py, format!("{what}[{i}] is None")));
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
    std::env::var("LEXMETRICS_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

type PoolKey = (u32, usize);

/// One pool per (process id, size): a child forked by a DataLoader never reuses its parent's
/// threads (they do not exist after fork), it builds its own.
pub fn pool(workers: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<PoolKey, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let key = (std::process::id(), workers);
    let mut pools = POOLS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    pools.retain(|k, _| k.0 == key.0);
    if let Some(p) = pools.get(&key) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("lexmetrics-{i}"))
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {workers} workers: {e}")))?;
    let p = Arc::new(p);
    pools.insert(key, p.clone());
    Ok(p)
}

/// Resolves the `workers=` argument (None -> default, 0 is an error).
pub fn resolve_workers(py: Python<'_>, workers: Option<usize>) -> PyResult<usize> {
    match workers {
        None => Ok(default_workers()),
        Some(0) => Err(value_error(py, "workers must be >= 1".into())),
        Some(n) => Ok(n),
    }
}

/// Computes `f(i)` for `i in 0..n` on `workers` threads, outside the interpreter lock, in chunks,
/// polling for Ctrl-C between chunks. The first error (lowest index) wins. Output order is `0..n`
/// whatever the worker count.
pub fn par_map<T, F>(py: Python<'_>, n: usize, workers: Option<usize>, f: F) -> PyResult<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T, MetricError> + Sync + Send,
{
    let workers = resolve_workers(py, workers)?;
    let mut out: Vec<T> = Vec::with_capacity(n);
    if workers == 1 {
        // No pool hop for the single-worker case (also the fork-safe path).
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let r: Result<Vec<T>, MetricError> = py.detach(|| (start..end).map(&f).collect());
            out.extend(r.map_err(|e| metric_error(py, e))?);
            py.check_signals()?;
            start = end;
        }
        return Ok(out);
    }
    let pool = pool(workers)?;
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK * workers).min(n);
        let r: Result<Vec<T>, MetricError> =
            py.detach(|| pool.install(|| (start..end).into_par_iter().map(&f).collect()));
        out.extend(r.map_err(|e| metric_error(py, e))?);
        py.check_signals()?;
        start = end;
    }
    Ok(out)
}
