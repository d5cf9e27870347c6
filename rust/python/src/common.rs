//! Shared plumbing for every batch call: input extraction with indexed errors, worker pools,
//! chunked parallel execution outside the interpreter lock with Ctrl-C polling while it runs,
//! and the panic guard every entry point goes through.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use lexmetrics_core::error::{ErrorKind, MetricError};
use lexmetrics_core::interrupt;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyInt, PyList, PyString, PyTuple};
use rayon::prelude::*;

use crate::surrogates::Pending;

/// Pairs per chunk between two checks for Ctrl-C. Results do not depend on it.
pub const CHUNK: usize = 1 << 14;

/// How often the waiting interpreter thread looks for a pending signal while the workers run.
const SIGNAL_POLL: Duration = Duration::from_millis(20);

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

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("internal error: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("internal error: {s}")
    } else {
        "internal error".into()
    }
}

/// Runs one native entry point, turning a Rust panic into `lexmetrics.InternalError` (a
/// `PanicException` would be a `BaseException` that `except Exception` does not catch).
pub fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(internal_error(panic_message(&*p))))
}

/// `f(i)` with a panic turned into an internal error at index `i`.
fn guarded_item<T>(
    f: &(impl Fn(usize) -> Result<T, MetricError> + Sync),
    i: usize,
) -> Result<T, MetricError> {
    catch_unwind(AssertUnwindSafe(|| f(i)))
        .unwrap_or_else(|p| Err(MetricError::internal(panic_message(&*p)).at(i)))
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

/// CPUs available to this process, read once (`available_parallelism` reads cgroup files on
/// every call: tens of microseconds).
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Most threads one call uses: `workers` above it is clamped (results never depend on it).
pub fn max_workers() -> usize {
    (4 * cpus()).clamp(1, 256)
}

/// Worker count when the caller passes `workers=None`: `LEXMETRICS_NUM_THREADS`, else all cores
/// (clamped to `max_workers()`).
#[pyfunction]
pub fn default_workers() -> usize {
    std::env::var("LEXMETRICS_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(cpus)
        .min(max_workers())
}

/// Pools kept alive at once (per process); older ones are dropped, which ends their threads.
const POOLS_KEPT: usize = 4;

/// A pool of `workers` threads (clamped to `max_workers()`) for this process: a child forked by a
/// DataLoader never reuses its parent's threads (they do not exist after fork), it builds its
/// own. The few most recently used sizes are kept, so varying `workers` does not accumulate threads.
pub fn pool(workers: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    type Pools = Vec<(u32, usize, Arc<rayon::ThreadPool>)>;
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    let workers = workers.clamp(1, max_workers());
    let pid = std::process::id();
    let mut pools = POOLS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    pools.retain(|(p, _, _)| *p == pid);
    if let Some(k) = pools.iter().position(|(_, w, _)| *w == workers) {
        let hit = pools.remove(k);
        let p = hit.2.clone();
        pools.push(hit);
        return Ok(p);
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("lexmetrics-{i}"))
        .build()
        .map_err(|e| internal_error(format!("cannot start {workers} worker threads: {e}")))?;
    let p = Arc::new(p);
    if pools.len() >= POOLS_KEPT {
        pools.remove(0);
    }
    pools.push((pid, workers, p.clone()));
    Ok(p)
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
    Ok(usize::try_from(n).unwrap_or(usize::MAX).min(max_workers()))
}

/// Runs `job` on `pool` while this (interpreter) thread waits outside the interpreter lock,
/// waking every `SIGNAL_POLL` to run pending signal handlers. On Ctrl-C the core is asked to stop
/// (`interrupt::request`), the job returns early and the handler's exception is raised.
fn run_interruptible<R, J>(py: Python<'_>, pool: &rayon::ThreadPool, job: J) -> PyResult<R>
where
    R: Send,
    J: Fn() -> Result<R, MetricError> + Sync,
{
    loop {
        let done: Mutex<Option<Result<R, MetricError>>> = Mutex::new(None);
        let cv = Condvar::new();
        let mut raised: Option<PyErr> = None;
        pool.in_place_scope(|s| {
            s.spawn(|_| {
                let r = catch_unwind(AssertUnwindSafe(&job))
                    .unwrap_or_else(|p| Err(MetricError::internal(panic_message(&*p))));
                *done.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                cv.notify_all();
            });
            loop {
                let finished = py.detach(|| {
                    let g = done.lock().unwrap_or_else(|p| p.into_inner());
                    let (g, _) = cv
                        .wait_timeout_while(g, SIGNAL_POLL, |r| r.is_none())
                        .unwrap_or_else(|p| p.into_inner());
                    g.is_some()
                });
                if finished {
                    break;
                }
                if raised.is_none() {
                    if let Err(e) = py.check_signals() {
                        interrupt::request();
                        raised = Some(e);
                    }
                }
            }
        });
        let r = done
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(|| Err(MetricError::internal("worker finished without a result")));
        if let Some(e) = raised {
            interrupt::clear();
            return Err(e);
        }
        match r {
            Ok(v) => return Ok(v),
            Err(e) if e.kind == ErrorKind::Interrupted => {
                // Another call's Ctrl-C stopped this one too: wait for it to end, then rerun.
                py.detach(|| {
                    while interrupt::is_requested() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
                py.check_signals()?;
            }
            Err(e) => return Err(metric_error(py, e)),
        }
    }
}

/// `run()`, run again if another call's Ctrl-C stopped it (see `run_interruptible`).
fn rerun_if_stopped<R>(
    py: Python<'_>,
    mut run: impl FnMut() -> Result<R, MetricError>,
) -> PyResult<R> {
    loop {
        match run() {
            Err(e) if e.kind == ErrorKind::Interrupted => {
                py.detach(|| {
                    while interrupt::is_requested() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
                py.check_signals()?;
            }
            r => return r.map_err(|e| metric_error(py, e)),
        }
    }
}

/// Input size (UTF-8 bytes) up to which a call runs inline on the calling thread, seeing Ctrl-C
/// only between chunks: its worst case (a quadratic rougeLsum pair) still ends within ~0.1 s,
/// and a small call skips the hand-off to a worker thread (tens of microseconds).
pub const INLINE_BYTES: usize = 16 * 1024;

/// Computes `f(i)` for `i in 0..n` on `workers` threads (from `resolve_workers`), outside the
/// interpreter lock, in chunks. Ctrl-C is seen while a chunk runs when the input is larger than
/// `INLINE_BYTES` (`work_bytes`: the caller's estimate), else between chunks. The first error
/// (lowest index) wins; a panic becomes `InternalError`. Output order is `0..n` whatever the
/// worker count.
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
    let workers = workers.clamp(1, max_workers());
    let mut out: Vec<T> = Vec::with_capacity(n);
    let step = if workers == 1 { CHUNK } else { CHUNK * workers };
    let inline = work_bytes <= INLINE_BYTES;
    let pool = if workers == 1 && inline {
        None
    } else {
        Some(pool(workers)?)
    };
    let chunk = |start: usize, end: usize| -> Result<Vec<T>, MetricError> {
        if workers == 1 {
            (start..end).map(|i| guarded_item(&f, i)).collect()
        } else {
            (start..end)
                .into_par_iter()
                .map(|i| guarded_item(&f, i))
                .collect()
        }
    };
    let mut start = 0;
    while start < n {
        let end = (start + step).min(n);
        let r: Vec<T> = match (&pool, inline) {
            (Some(pool), false) => run_interruptible(py, pool, || chunk(start, end))?,
            (Some(pool), true) => {
                rerun_if_stopped(py, || py.detach(|| pool.install(|| chunk(start, end))))?
            }
            (None, _) => rerun_if_stopped(py, || py.detach(|| chunk(start, end)))?,
        };
        out.extend(r);
        if inline {
            py.check_signals()?;
        }
        start = end;
    }
    Ok(out)
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
