//! Per-row sentence BLEU / chrF from an `(n, width)` int64 matrix of per-row statistics: one call
//! for the whole batch, outside the interpreter lock. The arithmetic is the core's
//! (`bleu::compute_bleu`, `chrf::score_from_stats`), so each value equals the sentence score.
//! Also the text of per-row score rows (`--per-pair` jsonl/csv), floats written as Python's repr.

use lexmetrics_core::bleu::{self, BleuScoring};
use lexmetrics_core::chrf::{self, ChrfConfig};
use lexmetrics_core::error::MetricError;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use crate::common::{
    extract_strs, internal_error, metric_error, par_map, resolve_workers, value_error,
};

fn at_least(py: Python<'_>, value: i64, low: i64, name: &str) -> PyResult<usize> {
    if value < low {
        return Err(value_error(
            py,
            format!("{name} must be >= {low}, got {value}"),
        ));
    }
    usize::try_from(value).map_err(|_| value_error(py, format!("{name} is too large: {value}")))
}

/// `score(row)` of every row of `stats`, detached; an error names the row (`stats[i]`) and a
/// panic becomes an error instead of crossing into Python.
fn per_row<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    width: usize,
    score: impl Fn(&[i64]) -> Result<f64, MetricError> + Sync,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let view = stats.as_array();
    let (n, w) = view.dim();
    if w != width {
        return Err(value_error(
            py,
            format!("stats must have {width} columns, got an array of shape ({n}, {w})"),
        ));
    }
    // A C-contiguous array is read in place; any other layout is copied once, row-major.
    let owned: Vec<i64>;
    let flat: &[i64] = match view.as_slice() {
        Some(s) => s,
        None => {
            owned = view.iter().copied().collect();
            &owned
        }
    };
    let out = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut out = Vec::with_capacity(n);
            for (i, row) in flat.chunks_exact(width.max(1)).take(n).enumerate() {
                out.push(score(row).map_err(|e| e.at(i))?);
            }
            Ok::<_, MetricError>(out)
        }))
    });
    match out {
        Ok(Ok(v)) => Ok(v.into_pyarray(py)),
        Ok(Err(e)) => Err(metric_error(py, e)),
        Err(_) => Err(internal_error("panic while scoring statistics rows".into())),
    }
}

/// Sentence BLEU of each row of `[sys_len, ref_len, correct_1..n, total_1..n]` statistics.
#[pyfunction]
#[pyo3(signature = (stats, smooth_method, smooth_value, use_effective_order, max_ngram_order))]
fn bleu_scores_from_stats<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    smooth_method: &str,
    smooth_value: Option<f64>,
    use_effective_order: bool,
    max_ngram_order: i64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let n_max = at_least(py, max_ngram_order, 1, "max_ngram_order")?;
    let sc = BleuScoring::new(smooth_method, smooth_value, use_effective_order, n_max)
        .map_err(|e| metric_error(py, e))?;
    per_row(py, stats, 2 + 2 * n_max, |row| {
        bleu::compute_bleu(row, &sc).map(|r| r.score)
    })
}

/// chrF of each row of `[hyp, ref, match]`-per-order statistics.
#[pyfunction]
#[pyo3(signature = (stats, char_order, word_order, beta, eps_smoothing))]
fn chrf_scores_from_stats<'py>(
    py: Python<'py>,
    stats: PyReadonlyArray2<'py, i64>,
    char_order: i64,
    word_order: i64,
    beta: f64,
    eps_smoothing: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let c = at_least(py, char_order, 0, "char_order")?;
    let w = at_least(py, word_order, 0, "word_order")?;
    // lowercase/whitespace act on the text only, not on the statistics.
    let cfg = ChrfConfig::new(c, w, beta, false, false, eps_smoothing)
        .map_err(|e| metric_error(py, e))?;
    per_row(py, stats, cfg.n_stats(), |row| {
        chrf::score_from_stats(&cfg, row)
    })
}

/// The shortest round-trip decimal digits of a finite `x >= 0` (no leading or trailing zeros;
/// `"0"` for zero) into `buf`, and the exponent `e` of `d.ddd x 10^e`. zmij prints the shortest,
/// closest digits (as CPython's dtoa does) about 4x faster than `format!("{:e}")`; its layout
/// (positional or scientific) is read back here.
fn shortest_digits(x: f64, zmij_buf: &mut zmij::Buffer, buf: &mut [u8; 24]) -> (usize, i32) {
    let text = zmij_buf.format_finite(x).as_bytes();
    let (mant, exp10) = match text.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (
            &text[..i],
            std::str::from_utf8(&text[i + 1..])
                .ok()
                .and_then(|e| e.trim_start_matches('+').parse::<i32>().ok())
                .unwrap_or(0),
        ),
        None => (text, 0),
    };
    let int_len = mant.iter().position(|&c| c == b'.').unwrap_or(mant.len()) as i32;
    let mut len = 0;
    let mut leading = 0; // zeros before the first significant digit
    for &c in mant.iter().filter(|&&c| c != b'.') {
        if len == 0 && c == b'0' {
            leading += 1;
            continue;
        }
        if len < buf.len() {
            buf[len] = c;
            len += 1;
        }
    }
    while len > 1 && buf[len - 1] == b'0' {
        len -= 1;
    }
    if len == 0 {
        buf[0] = b'0';
        return (1, 0);
    }
    (len, int_len + exp10 - leading - 1)
}

/// Appends Python's `repr(x)` of a finite double: the shortest round-trip digits, positional when
/// -4 < exponent + 1 <= 16, else `d.ddde+XX` (CPython `format_float_short`, mode 'r', with `.0`
/// added to integers).
fn push_repr(out: &mut String, zmij_buf: &mut zmij::Buffer, x: f64) {
    use std::fmt::Write;
    let mut buf = [0u8; 24];
    let (len, exp) = shortest_digits(x.abs(), zmij_buf, &mut buf);
    let mut digits: &[u8] = &buf[..len];
    let mut even = [0u8; 24];
    if len > 1 && (buf[len - 1] - b'0') % 2 == 1 {
        if let Some(other) = half_even(x.abs(), digits, exp) {
            even[..len].copy_from_slice(other.as_bytes());
            digits = &even[..len];
        }
    }
    // ASCII digits only: every slice below is on a character boundary.
    let digits = std::str::from_utf8(digits).unwrap_or("0");
    let decpt = exp + 1;
    if x.is_sign_negative() {
        out.push('-');
    }
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(digits);
    } else if decpt as usize >= digits.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', decpt as usize - digits.len()));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
}

/// `e2` of the positive double `x = o * 2^e2` with `o` odd (None for zero).
fn binary_exponent(x: f64) -> Option<i32> {
    let bits = x.to_bits();
    let (be, frac) = (((bits >> 52) & 0x7ff) as i32, bits & ((1u64 << 52) - 1));
    let (o, e2) = if be == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), be - 1075)
    };
    (o != 0).then(|| e2 + o.trailing_zeros() as i32)
}

/// Whether the positive double `x` is exactly `m * 10^q / 2` (`m` odd): the midpoint of two
/// adjacent decimal candidates.
fn is_midpoint(x: f64, m: u64, q: i32) -> bool {
    let bits = x.to_bits();
    let (be, frac) = (((bits >> 52) & 0x7ff) as i32, bits & ((1u64 << 52) - 1));
    let (mut o, mut e2) = if be == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), be - 1075)
    };
    if o == 0 {
        return false;
    }
    let z = o.trailing_zeros();
    o >>= z;
    e2 += z as i32;
    // x = o * 2^e2 with o odd; m * 10^q / 2 = m * 5^q * 2^(q-1) (q >= 0) or m / (5^-q * 2^(1-q)).
    let (p, e_want) = if q >= 0 { (q, q - 1) } else { (-q, q - 1) };
    if p > 27 || e2 != e_want {
        return false;
    }
    let five = 5u128.pow(p as u32);
    if q >= 0 {
        o as u128 == m as u128 * five
    } else {
        o as u128 * five == m as u128
    }
}

/// CPython's repr breaks an exact tie between the two nearest shortest candidates to the even
/// one (dtoa's round-half-even); Rust's shortest formatting may pick the odd one. Both parse back
/// to the same double; this keeps the bytes CPython's.
fn half_even(x: f64, digits: &[u8], exp: i32) -> Option<String> {
    let q = exp - (digits.len() as i32 - 1); // x ~ d * 10^q
    if binary_exponent(x) != Some(q - 1) {
        return None; // not a midpoint (the check `is_midpoint` makes first), without parsing `d`
    }
    let d: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let other = if is_midpoint(x, 2 * d - 1, q) {
        d - 1
    } else if is_midpoint(x, 2 * d + 1, q) {
        d + 1
    } else {
        return None;
    };
    Some(other.to_string()).filter(|s| s.len() == digits.len())
}

/// One column of [`format_rows`]: float64 values written here, or texts the caller wrote.
enum Column<'py> {
    Floats(PyReadonlyArray1<'py, f64>),
    Texts(Vec<PyBackedStr>),
}

/// Rows per parallel block of [`format_rows`].
const ROWS_PER_BLOCK: usize = 4096;

/// The text of `n` rows: `pieces[0] col_0[i] pieces[1] col_1[i] ... pieces[k]` for each row `i`.
/// Float columns are written as Python's `repr` (`json`: NaN / Infinity / -Infinity, as
/// `json.dumps`; else nan / inf / -inf, as `str`); other columns are sequences of `str`.
#[pyfunction]
#[pyo3(signature = (columns, pieces, json, workers=None))]
fn format_rows<'py>(
    py: Python<'py>,
    columns: Vec<Bound<'py, PyAny>>,
    pieces: Vec<String>,
    json: bool,
    workers: Option<&Bound<'py, PyAny>>,
) -> PyResult<String> {
    let workers = resolve_workers(py, workers)?;
    if pieces.len() != columns.len() + 1 {
        return Err(value_error(
            py,
            format!(
                "format_rows: {} columns need {} pieces, got {}",
                columns.len(),
                columns.len() + 1,
                pieces.len()
            ),
        ));
    }
    let mut cols = Vec::with_capacity(columns.len());
    for (j, c) in columns.iter().enumerate() {
        cols.push(match c.extract::<PyReadonlyArray1<'py, f64>>() {
            Ok(a) => Column::Floats(a),
            Err(_) => Column::Texts(extract_strs(c, &format!("columns[{j}]"))?),
        });
    }
    let n: usize = cols.first().map_or(0, |c| match c {
        Column::Floats(a) => a.as_array().len(),
        Column::Texts(t) => t.len(),
    });
    let mut views = Vec::with_capacity(cols.len());
    for (j, c) in cols.iter().enumerate() {
        let len = match c {
            Column::Floats(a) => a.as_array().len(),
            Column::Texts(t) => t.len(),
        };
        if len != n {
            return Err(value_error(
                py,
                format!("format_rows: columns[{j}] has {len} rows, columns[0] has {n}"),
            ));
        }
        views.push(match c {
            Column::Floats(a) => Ok(a.as_array()),
            Column::Texts(t) => Err(t.as_slice()),
        });
    }
    let (nan, inf) = ("nan", "inf");
    let blocks = n.div_ceil(ROWS_PER_BLOCK);
    let parts = par_map(py, blocks, workers, n.saturating_mul(16), |b| {
        Ok({
            let mut out = String::with_capacity(ROWS_PER_BLOCK * 16 * (views.len() + 1));
            let mut zmij_buf = zmij::Buffer::new();
            for i in b * ROWS_PER_BLOCK..((b + 1) * ROWS_PER_BLOCK).min(n) {
                for (piece, col) in pieces.iter().zip(&views) {
                    out.push_str(piece);
                    match col {
                        Ok(a) => {
                            let x = a[i];
                            if json && !x.is_finite() {
                                out.push_str("null"); // JSON has no NaN or Infinity
                            } else if x.is_nan() {
                                out.push_str(nan);
                            } else if x.is_infinite() {
                                if x < 0.0 {
                                    out.push('-');
                                }
                                out.push_str(inf);
                            } else {
                                push_repr(&mut out, &mut zmij_buf, x);
                            }
                        }
                        Err(t) => out.push_str(&t[i]),
                    }
                }
                out.push_str(&pieces[pieces.len() - 1]);
            }
            out
        })
    })?;
    Ok(parts.concat())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bleu_scores_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(chrf_scores_from_stats, m)?)?;
    m.add_function(wrap_pyfunction!(format_rows, m)?)?;
    Ok(())
}
