//! Zero-copy string columns through the Arrow C Data / C Stream interface, without arrow-rs and
//! without pyo3 (the Python binding only takes the base structs out of the PyCapsules).
//!
//! The imported arrays are owned here and released exactly once on drop; rows are `&str` slices
//! into the producer's buffers, validated once at import (format, lengths, offsets, view bounds,
//! dictionary keys, UTF-8), so that reading them later needs no checks.
//! Spec: <https://arrow.apache.org/docs/format/CDataInterface.html> and
//! <https://arrow.apache.org/docs/format/CStreamInterface.html>.
//!
//! What cannot be checked: the C interface carries no buffer sizes (except for the variadic
//! buffers of view types), so a producer that declares offsets past the end of its own data buffer,
//! or fewer validity bits than rows, is trusted, as arrow-rs and Arrow C++ trust it. Like Arrow
//! itself, this also trusts that the buffers stay unchanged while a column is read.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::missing_safety_doc)]

mod column;
pub mod ffi;

pub use column::{ImportError, NullPolicy, StringColumn};
pub use ffi::{OwnedArray, OwnedSchema, OwnedStream};
