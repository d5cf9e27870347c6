//! The batch scheduler every metric's `score_batch` / `stats_batch` runs on: rows in chunks on a
//! rayon pool, a panic turned into an internal error naming its row, the first error (lowest row)
//! returned, and a stop request (`crate::interrupt`, or a host's signal poll) honoured between
//! chunks and inside long rows.
//!
//! A Rust caller passes `Batch::new(workers)`; the Python binding adds `signals` (it polls the
//! interpreter's pending signals) and runs the whole call outside the interpreter lock.

use std::any::Any;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use rayon::prelude::*;

use crate::error::{ErrorKind, MetricError, Result};
use crate::interrupt;

/// Rows per worker between two checks for a stop request. Results do not depend on it.
pub const CHUNK: usize = 1 << 14;

/// Input size (UTF-8 bytes) up to which a call runs on the calling thread with one worker and
/// sees a stop only between chunks: its worst case (a quadratic rougeLsum pair) still ends within
/// ~0.1 s, and a small call skips the hand-off to a worker thread (tens of microseconds).
pub const INLINE_BYTES: usize = 16 * 1024;

/// How often the waiting thread polls `Signals` while the workers run a chunk.
const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// A host's pending-stop check (the binding: the interpreter's signal handlers), polled on the
/// calling thread between chunks and every 20 ms while a chunk runs.
pub trait Signals: Sync {
    /// True when the call should stop (the host keeps its own record of why).
    fn poll(&self) -> bool;
}

/// How one batch call runs.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    /// Worker threads (clamped to `1..=max_workers()`; results never depend on it).
    pub workers: usize,
    /// The caller's estimate of the input size (exact up to `INLINE_BYTES`): small inputs run inline.
    pub work_bytes: usize,
    /// Rows per worker per chunk (`CHUNK` unless a metric's rows are much dearer).
    pub chunk: usize,
    /// The host's stop check; `None`: only `crate::interrupt` stops the call.
    pub signals: Option<&'a dyn Signals>,
}

impl<'a> Batch<'a> {
    /// `workers` threads, work size unknown (treated as large), default chunks, no host signals.
    pub fn new(workers: usize) -> Self {
        Self {
            workers,
            work_bytes: usize::MAX,
            chunk: CHUNK,
            signals: None,
        }
    }
    pub fn work_bytes(mut self, work_bytes: usize) -> Self {
        self.work_bytes = work_bytes;
        self
    }
    pub fn chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }
    pub fn signals(mut self, signals: &'a dyn Signals) -> Self {
        self.signals = Some(signals);
        self
    }
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

/// Worker count when the caller names none: `LEXMETRICS_NUM_THREADS`, else all cores (clamped
/// to `max_workers()`).
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
pub fn pool(workers: usize) -> Result<Arc<rayon::ThreadPool>> {
    type Pools = Vec<(u32, usize, Arc<rayon::ThreadPool>)>;
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    let workers = workers.clamp(1, max_workers());
    let pid = std::process::id();
    let mut pools = POOLS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if pools.iter().any(|(p, _, _)| *p != pid) {
        // A forked child: the parent's pools have no threads here, and dropping one wakes them
        // through a lock that a parent thread may have held at the fork (a hang): leak them.
        let (mine, parents): (Pools, Pools) = pools.drain(..).partition(|(p, _, _)| *p == pid);
        *pools = mine;
        std::mem::forget(parents);
    }
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
        .map_err(|e| {
            MetricError::internal(format!("cannot start {workers} worker threads: {e}"))
        })?;
    let p = Arc::new(p);
    if pools.len() >= POOLS_KEPT {
        pools.remove(0);
    }
    pools.push((pid, workers, p.clone()));
    Ok(p)
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("internal error: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("internal error: {s}")
    } else {
        "internal error".into()
    }
}

/// `f()` with a panic turned into an internal error: the one panic policy of the crate.
pub fn catch<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(MetricError::internal(panic_message(&*p))))
}

/// `f()` for row `i`: a panic becomes an internal error at `i`, any error is tagged with `i`.
#[inline]
fn catch_row<T>(i: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| if e.index.is_none() { e.at(i) } else { e }),
        Err(p) => Err(MetricError::internal(panic_message(&*p)).at(i)),
    }
}

/// The error of the lowest row among `errs` (rows of one chunk finish in any order).
fn lowest(errs: impl ParallelIterator<Item = MetricError>) -> Option<MetricError> {
    errs.min_by_key(|e| e.index.unwrap_or(usize::MAX))
}

/// Waits until no stop is pending (another call's), then asks the host whether to stop too.
fn settle(signals: Option<&dyn Signals>) -> Result<()> {
    while interrupt::is_requested() {
        std::thread::sleep(Duration::from_millis(1));
    }
    match signals {
        Some(s) if s.poll() => Err(MetricError::interrupted()),
        _ => Ok(()),
    }
}

/// Runs `job` on `pool` while this thread waits, polling `signals` every `SIGNAL_POLL`. On a
/// signal the core is asked to stop (`interrupt::request`) and the job returns early; the second
/// value says whether this call stopped it.
fn run_polled<R: Send>(
    pool: &rayon::ThreadPool,
    signals: &dyn Signals,
    job: &mut (dyn FnMut() -> Result<R> + Send),
) -> (Result<R>, bool) {
    let done: Mutex<Option<Result<R>>> = Mutex::new(None);
    let cv = Condvar::new();
    let mut stopped = false;
    pool.in_place_scope(|s| {
        s.spawn(|_| {
            let r = catch(job);
            *done.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            cv.notify_all();
        });
        loop {
            let g = done.lock().unwrap_or_else(|p| p.into_inner());
            let (g, _) = cv
                .wait_timeout_while(g, SIGNAL_POLL, |r| r.is_none())
                .unwrap_or_else(|p| p.into_inner());
            if g.is_some() {
                break;
            }
            drop(g);
            if !stopped && signals.poll() {
                interrupt::request();
                stopped = true;
            }
        }
    });
    let r = done
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .unwrap_or_else(|| Err(MetricError::internal("worker finished without a result")));
    if stopped {
        interrupt::clear();
    }
    (r, stopped)
}

/// Runs `step(range)` over `0..n` in chunks as `batch` says, `step` itself using the pool it is
/// installed on. With host signals, a chunk cut short by another call's stop request runs again
/// once that request is withdrawn; without, `Interrupted` is returned.
fn chunked(
    n: usize,
    batch: &Batch<'_>,
    step: &mut (dyn FnMut(Range<usize>) -> Result<()> + Send),
) -> Result<()> {
    let workers = batch.workers.clamp(1, max_workers());
    let per_chunk = batch.chunk.max(1).saturating_mul(workers);
    let inline = batch.work_bytes <= INLINE_BYTES;
    let pool = if workers == 1 && inline {
        None
    } else {
        Some(pool(workers)?)
    };
    let mut start = 0;
    while start < n {
        let end = start.saturating_add(per_chunk).min(n);
        loop {
            let r = match (&pool, inline, batch.signals) {
                (Some(pool), false, Some(signals)) => {
                    let (r, stopped) = run_polled(pool, signals, &mut || step(start..end));
                    if stopped {
                        return Err(MetricError::interrupted());
                    }
                    r
                }
                (Some(pool), _, _) => pool.install(|| catch(|| step(start..end))),
                (None, _, _) => catch(|| step(start..end)),
            };
            match r {
                Err(e) if e.kind == ErrorKind::Interrupted && batch.signals.is_some() => {
                    settle(batch.signals)?;
                }
                r => {
                    r?;
                    break;
                }
            }
        }
        match batch.signals {
            Some(s) if inline && s.poll() => return Err(MetricError::interrupted()),
            Some(_) => {}
            None => interrupt::check()?,
        }
        start = end;
    }
    Ok(())
}

/// `step(range)` over the rows `0..n` in chunks as `batch` says, for work that parallelizes
/// itself (`step` installs its own pool): stop checks and the panic policy of `par_map`.
pub fn for_chunks(
    n: usize,
    batch: &Batch<'_>,
    mut step: impl FnMut(Range<usize>) -> Result<()> + Send,
) -> Result<()> {
    chunked(n, batch, &mut step)
}

/// `f(i)` for every row `i in 0..n`, in order, computed as `batch` says. The first error (lowest
/// row) wins; a panic becomes an internal error naming its row.
pub fn par_map<T, F>(n: usize, batch: &Batch<'_>, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T> + Sync,
{
    par_map_init(n, batch, || (), |_, i| f(i))
}

/// `par_map` with a per-worker scratch value `init()` (buffers reused across rows); the scratch
/// is rebuilt after a panic.
pub fn par_map_init<T, S, I, F>(n: usize, batch: &Batch<'_>, init: I, f: F) -> Result<Vec<T>>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> Result<T> + Sync,
{
    let parallel = batch.workers.clamp(1, max_workers()) > 1;
    let mut out: Vec<T> = Vec::with_capacity(n);
    let row = |s: &mut S, i: usize| {
        let r = catch_row(i, || f(s, i));
        if matches!(&r, Err(e) if e.kind == ErrorKind::Internal) {
            *s = init();
        }
        r
    };
    chunked(n, batch, &mut |range: Range<usize>| {
        let keep = out.len();
        let r = if parallel {
            // Rows straight into a vector; on an error, the lowest failing row is looked up.
            let part: Result<Vec<T>> = range.clone().into_par_iter().map_init(&init, row).collect();
            part.map(|p| out.extend(p)).map_err(|e| {
                if e.kind == ErrorKind::Interrupted {
                    return e;
                }
                let first = range
                    .into_par_iter()
                    .map_init(&init, |s, i| row(s, i).err())
                    .flatten()
                    .min_by_key(|e| e.index.unwrap_or(usize::MAX));
                first.unwrap_or(e)
            })
        } else {
            let mut s = init();
            range
                .clone()
                .try_for_each(|i| row(&mut s, i).map(|v| out.push(v)))
        };
        if r.is_err() {
            out.truncate(keep);
        }
        r
    })?;
    Ok(out)
}

/// Fills `out` (rows of `width` values, row `i` at `out[i*width..(i+1)*width]`) with
/// `f(scratch, i, row)` for every row, in place (no per-row allocation, no copy), as `batch`
/// says. Errors and panics as in `par_map`.
pub fn par_rows<T, S, I, F>(
    out: &mut [T],
    width: usize,
    batch: &Batch<'_>,
    init: I,
    f: F,
) -> Result<()>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize, &mut [T]) -> Result<()> + Sync,
{
    if width == 0 {
        return Ok(());
    }
    let n = out.len() / width;
    let parallel = batch.workers.clamp(1, max_workers()) > 1;
    let row = |s: &mut S, (i, r): (usize, &mut [T])| -> Option<MetricError> {
        let res = catch_row(i, || f(s, i, r));
        if matches!(&res, Err(e) if e.kind == ErrorKind::Internal) {
            *s = init();
        }
        res.err()
    };
    chunked(n, batch, &mut |range: Range<usize>| {
        let rows = &mut out[range.start * width..range.end * width];
        let err = if parallel {
            lowest(
                rows.par_chunks_mut(width)
                    .enumerate()
                    .map(|(k, r)| (range.start + k, r))
                    .map_init(&init, row)
                    .flatten(),
            )
        } else {
            let mut s = init();
            rows.chunks_mut(width)
                .enumerate()
                .find_map(|(k, r)| row(&mut s, (range.start + k, r)))
        };
        err.map_or(Ok(()), Err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_order_for_any_worker_count() {
        for w in [1, 2, 3] {
            let b = Batch::new(w).chunk(7);
            let v = par_map(100, &b, |i| Ok(i * 2)).unwrap();
            assert_eq!(v, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn panic_becomes_internal_error_at_its_row() {
        for w in [1, 2] {
            let b = Batch::new(w).chunk(5);
            let e = par_map(50, &b, |i| if i == 23 { panic!("boom") } else { Ok(i) }).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Internal);
            assert_eq!(e.index, Some(23));
            assert_eq!(e.to_string(), "internal error: boom (at index 23)");
        }
    }

    #[test]
    fn lowest_row_error_wins() {
        let b = Batch::new(2);
        let e = par_map(1000, &b, |i| {
            if i % 100 == 37 {
                Err(MetricError::value("bad"))
            } else {
                Ok(i)
            }
        })
        .unwrap_err();
        assert_eq!(e.index, Some(37));
    }

    #[test]
    fn rows_fill_in_place() {
        for w in [1, 2] {
            let mut out = vec![0i64; 3 * 40];
            let b = Batch::new(w).chunk(3);
            par_rows(
                &mut out,
                3,
                &b,
                || (),
                |_, i, r| {
                    r.fill(i as i64);
                    Ok(())
                },
            )
            .unwrap();
            assert!(out.chunks(3).enumerate().all(|(i, r)| r == [i as i64; 3]));
        }
    }
}
