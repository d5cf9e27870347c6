//! Zero-copy string columns through the Arrow PyCapsule protocol (`__arrow_c_stream__` /
//! `__arrow_c_array__`). This module only takes the C structs out of the capsules and maps
//! errors; the import, validation and reading live in the pyo3-free `lexmetrics-arrow-c` crate.
// Every unsafe block states why it is sound (clippy enforces it).
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ffi::CStr;

use lexmetrics_arrow_c::ffi::{ArrowArray, ArrowArrayStream, ArrowSchema};
use lexmetrics_arrow_c::{ImportError, OwnedArray, OwnedSchema, OwnedStream};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};

pub use lexmetrics_arrow_c::NullPolicy;
/// A string column borrowed from Arrow buffers; `Sync`, not `Send` (dropped while attached).
pub use lexmetrics_arrow_c::StringColumn as ArrowStrings;

use crate::common::{type_error, value_error};

/// Moves the base struct out of a capsule (the capsule's copy is marked released, as the
/// PyCapsule protocol prescribes), so the capsule's destructor will not release it too.
macro_rules! take_from_capsule {
    ($cap:expr, $name:expr, $ffi:ty, $owned:ty) => {{
        let name: &CStr = $name;
        let p = $cap.pointer_checked(Some(name))?.cast::<$ffi>().as_ptr();
        // SAFETY: the capsule name guarantees the pointee type and that it follows the Arrow C
        // interface; we are attached, so nothing else touches the capsule while we move it out.
        match unsafe { <$owned>::take(p) } {
            Some(owned) => owned,
            None => {
                return Err(value_error(
                    $cap.py(),
                    format!("Arrow capsule {name:?} was already consumed"),
                ))
            }
        }
    }};
}

fn to_pyerr(py: Python<'_>, what: &str, bad: ImportError) -> PyErr {
    match bad {
        ImportError::Null(i) => type_error(py, format!("{what}[{i}] is null")),
        ImportError::Utf8(i) => value_error(py, format!("{what}[{i}] is not valid UTF-8")),
        ImportError::Type(t) => type_error(
            py,
            format!(
                "{what} must be a string column (Arrow utf8, large_utf8, utf8_view or a \
                 dictionary of them), got {t}"
            ),
        ),
        ImportError::Malformed(m) => value_error(py, format!("{what}: malformed Arrow data: {m}")),
        ImportError::MalformedStream => value_error(py, format!("{what}: malformed Arrow stream")),
        ImportError::Stream(m) => value_error(py, format!("{what}: Arrow stream failed: {m}")),
    }
}

/// Imports a column from `obj.__arrow_c_stream__()`.
fn import_stream(obj: &Bound<'_, PyAny>, what: &str, nulls: NullPolicy) -> PyResult<ArrowStrings> {
    let py = obj.py();
    let cap = obj.call_method0("__arrow_c_stream__")?;
    let cap = cap.cast::<PyCapsule>().map_err(|_| {
        type_error(
            py,
            format!("{what}.__arrow_c_stream__() did not return a PyCapsule"),
        )
    })?;
    let stream = take_from_capsule!(cap, c"arrow_array_stream", ArrowArrayStream, OwnedStream);
    ArrowStrings::from_stream(stream, nulls).map_err(|b| to_pyerr(py, what, b))
}

/// Imports a column from `obj.__arrow_c_array__()` (one chunk).
fn import_array(obj: &Bound<'_, PyAny>, what: &str, nulls: NullPolicy) -> PyResult<ArrowStrings> {
    let py = obj.py();
    let pair = obj.call_method0("__arrow_c_array__")?;
    let bad = || {
        type_error(
            py,
            format!("{what}.__arrow_c_array__() did not return two PyCapsules"),
        )
    };
    let pair = pair.cast::<PyTuple>().map_err(|_| bad())?;
    if pair.len() != 2 {
        return Err(bad());
    }
    let (s, a) = (pair.get_item(0)?, pair.get_item(1)?);
    let s = s.cast::<PyCapsule>().map_err(|_| bad())?;
    let a = a.cast::<PyCapsule>().map_err(|_| bad())?;
    let schema = take_from_capsule!(s, c"arrow_schema", ArrowSchema, OwnedSchema);
    let array = take_from_capsule!(a, c"arrow_array", ArrowArray, OwnedArray);
    ArrowStrings::from_array(schema, array, nulls).map_err(|b| to_pyerr(py, what, b))
}

/// Imports `obj` as a string column when it speaks the Arrow PyCapsule protocol
/// (`__arrow_c_stream__` preferred, so chunked columns stay chunked); `Ok(None)` otherwise.
pub fn import_strings(
    obj: &Bound<'_, PyAny>,
    what: &str,
    nulls: NullPolicy,
) -> PyResult<Option<ArrowStrings>> {
    if obj.hasattr("__arrow_c_stream__")? {
        import_stream(obj, what, nulls).map(Some)
    } else if obj.hasattr("__arrow_c_array__")? {
        import_array(obj, what, nulls).map(Some)
    } else {
        Ok(None)
    }
}
