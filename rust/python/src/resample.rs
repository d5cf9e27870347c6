//! Bootstrap resamples and approximate randomization trials over per-pair statistics matrices
//! (`lexmetrics_core::resample`): the column sums of each resample or trial come back as numpy
//! arrays; scores, intervals and p-values are computed in Python from them.

use lexmetrics_core::resample::{self, Columns, Matrix, Pcg64, Sums, AR_BLOCK, RESAMPLE_BLOCK};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::common::{par_map, resolve_workers, value_error};

type NumpyState = (u128, u128, bool, u32);
type SumArrays<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f64>>);

fn slices<'a, T: numpy::Element>(
    py: Python<'_>,
    arrays: &'a [PyReadonlyArray2<'_, T>],
    what: &str,
) -> PyResult<Vec<Matrix<'a, T>>> {
    arrays
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let w = a.as_array().ncols();
            let data = a.as_slice().map_err(|_| {
                value_error(py, format!("{what}[{k}] must be a C-contiguous array"))
            })?;
            Matrix::new(data, w).map_err(|e| value_error(py, e.message))
        })
        .collect()
}

fn columns<'a>(
    py: Python<'_>,
    ints: &'a [PyReadonlyArray2<'_, i64>],
    floats: &'a [PyReadonlyArray2<'_, f64>],
) -> PyResult<(Columns<'a>, usize)> {
    let cols = Columns {
        ints: slices(py, ints, "ints")?,
        floats: slices(py, floats, "floats")?,
    };
    let n = cols.pairs().map_err(|e| value_error(py, e.message))?;
    Ok((cols, n))
}

fn group_bounds(
    py: Python<'_>,
    bounds: &PyReadonlyArray1<'_, i64>,
    n: usize,
) -> PyResult<Vec<usize>> {
    let b: Vec<usize> = bounds
        .as_array()
        .iter()
        .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
        .collect();
    let ok = b.first() == Some(&0) && b.last() == Some(&n) && b.windows(2).all(|w| w[0] <= w[1]);
    if !ok {
        return Err(value_error(
            py,
            format!("bounds must rise from 0 to the number of pairs ({n})"),
        ));
    }
    Ok(b)
}

fn arrays<'py>(
    py: Python<'py>,
    parts: Vec<Sums>,
    iw: usize,
    fw: usize,
) -> PyResult<SumArrays<'py>> {
    let mut all = Sums::default();
    for p in parts {
        all.ints.extend(p.ints);
        all.floats.extend(p.floats);
    }
    let rows = all
        .ints
        .len()
        .checked_div(iw)
        .or(all.floats.len().checked_div(fw))
        .unwrap_or(0);
    let shape_err = |e: numpy::ndarray::ShapeError| value_error(py, e.to_string());
    let ints = Array2::from_shape_vec((rows, iw), all.ints).map_err(shape_err)?;
    let floats = Array2::from_shape_vec((rows, fw), all.floats).map_err(shape_err)?;
    Ok((ints.into_pyarray(py), floats.into_pyarray(py)))
}

/// Column sums of `rows` bootstrap resamples drawn from numpy's PCG64 `state` (the draws of
/// `Generator.integers(0, n, size=(rows, n))`), and the generator's state after them. With
/// `bounds`, each group `bounds[g]..bounds[g + 1]` is resampled from `state` as if alone, and the
/// sums come group after group (the state returned is then `state`).
#[pyfunction]
#[pyo3(signature = (ints, floats, state, rows, bounds=None, workers=None))]
#[allow(clippy::type_complexity)]
fn bootstrap_sums<'py>(
    py: Python<'py>,
    ints: Vec<PyReadonlyArray2<'py, i64>>,
    floats: Vec<PyReadonlyArray2<'py, f64>>,
    state: NumpyState,
    rows: usize,
    bounds: Option<PyReadonlyArray1<'py, i64>>,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<(
    Bound<'py, PyArray2<i64>>,
    Bound<'py, PyArray2<f64>>,
    NumpyState,
)> {
    let workers = resolve_workers(py, workers)?;
    let (cols, n) = columns(py, &ints, &floats)?;
    let (iw, fw) = (cols.int_width(), cols.float_width());
    let start = Pcg64::from_numpy_state(state.0, state.1, state.2, state.3);
    let work = n.saturating_mul(rows).saturating_mul(8);
    if let Some(bounds) = bounds {
        let b = group_bounds(py, &bounds, n)?;
        let parts = par_map(py, b.len().saturating_sub(1), workers, work, |g| {
            resample::group_bootstrap_sums(
                &start,
                &cols.slice(b[g], b[g + 1]),
                &[0, b[g + 1] - b[g]],
                rows,
            )
        })?;
        let (i, f) = arrays(py, parts, iw, fw)?;
        return Ok((i, f, state));
    }
    let mut rng = start;
    let starts = py
        .detach(|| resample::resample_starts(&mut rng, n, rows))
        .map_err(|e| value_error(py, e.message))?;
    let blocks = rows.div_ceil(RESAMPLE_BLOCK);
    let parts = par_map(py, blocks, workers, work, |b| {
        let end = ((b + 1) * RESAMPLE_BLOCK).min(rows);
        resample::resample_block_sums(&starts[b * RESAMPLE_BLOCK..end], &cols, &mut Vec::new())
    })?;
    let (i, f) = arrays(py, parts, iw, fw)?;
    Ok((i, f, rng.numpy_state()))
}

/// Swapped sums `S` of approximate randomization trials `trial_start..trial_start + trials` of
/// `sys` against `bl` (`Σ (bl - sys)` over the pairs trial `t` swaps, SplitMix64 keyed by `key`):
/// the shuffled systems are `sys_total + S` and `bl_total - S`. With `bounds`, one test per group
/// (as if alone), sums group after group.
#[pyfunction]
#[pyo3(signature = (bl_ints, sys_ints, bl_floats, sys_floats, key, trial_start, trials, bounds=None, workers=None))]
#[allow(clippy::too_many_arguments)]
fn ar_sums<'py>(
    py: Python<'py>,
    bl_ints: Vec<PyReadonlyArray2<'py, i64>>,
    sys_ints: Vec<PyReadonlyArray2<'py, i64>>,
    bl_floats: Vec<PyReadonlyArray2<'py, f64>>,
    sys_floats: Vec<PyReadonlyArray2<'py, f64>>,
    key: u64,
    trial_start: u64,
    trials: u64,
    bounds: Option<PyReadonlyArray1<'py, i64>>,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<SumArrays<'py>> {
    let workers = resolve_workers(py, workers)?;
    let (bl, n) = columns(py, &bl_ints, &bl_floats)?;
    let (sys, m) = columns(py, &sys_ints, &sys_floats)?;
    if n != m {
        return Err(value_error(
            py,
            format!("baseline has {n} pairs, system {m}"),
        ));
    }
    let (iw, fw) = (bl.int_width(), bl.float_width());
    let range = trial_start..trial_start.saturating_add(trials);
    let work = n.saturating_mul(trials as usize).saturating_mul(8);
    if let Some(bounds) = bounds {
        let b = group_bounds(py, &bounds, n)?;
        let parts = par_map(py, b.len().saturating_sub(1), workers, work, |g| {
            let (lo, hi) = (b[g], b[g + 1]);
            resample::ar_sums_serial(&bl.slice(lo, hi), &sys.slice(lo, hi), key, range.clone())
        })?;
        return arrays(py, parts, iw, fw);
    }
    let parts = par_map(py, n.div_ceil(AR_BLOCK), workers, work, |k| {
        resample::ar_block_sums(&bl, &sys, k * AR_BLOCK, key, range.clone())
    })?;
    let mut total = Sums {
        ints: vec![0; (trials as usize) * iw],
        floats: vec![0.0; (trials as usize) * fw],
    };
    for p in &parts {
        resample::add_sums(&mut total, p);
    }
    arrays(py, vec![total], iw, fw)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bootstrap_sums, m)?)?;
    m.add_function(wrap_pyfunction!(ar_sums, m)?)?;
    Ok(())
}
