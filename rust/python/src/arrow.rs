//! Zero-copy string columns through the Arrow C Data / C Stream interface (the Arrow PyCapsule
//! protocol: `__arrow_c_stream__` / `__arrow_c_array__`), without arrow-rs.
//!
//! The imported arrays are owned here and released exactly once on drop; rows are `&str` slices
//! into the producer's buffers, validated once at import (offsets, view bounds, UTF-8), so that
//! reading them later needs no checks and creates no Python objects.
//! Spec: <https://arrow.apache.org/docs/format/CDataInterface.html> and
//! <https://arrow.apache.org/docs/format/CStreamInterface.html>.
//!
//! Like Arrow itself, this trusts that the producer's buffers stay unchanged while a call runs
//! (the interpreter lock is released meanwhile): columns must not be mutated during a call.
// Every unsafe block states why it is sound (clippy enforces it).
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};

use crate::common::{type_error, value_error};

// ---------------------------------------------------------------------------------------------
// The C structs, exactly as the spec lays them out.
// ---------------------------------------------------------------------------------------------

#[repr(C)]
struct FfiSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut FfiSchema,
    dictionary: *mut FfiSchema,
    release: Option<unsafe extern "C" fn(*mut FfiSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct FfiArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut FfiArray,
    dictionary: *mut FfiArray,
    release: Option<unsafe extern "C" fn(*mut FfiArray)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct FfiStream {
    get_schema: Option<unsafe extern "C" fn(*mut FfiStream, *mut FfiSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut FfiStream, *mut FfiArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut FfiStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut FfiStream)>,
    private_data: *mut c_void,
}

/// A base struct we own: released exactly once, when dropped (a released struct has `release == NULL`).
trait Released: Sized {
    fn empty() -> Self;
    fn is_released(&self) -> bool;
    fn mark_released(&mut self);
}

macro_rules! owned_struct {
    ($owner:ident, $ffi:ident, $empty:expr) => {
        impl Released for $ffi {
            fn empty() -> Self {
                $empty
            }
            fn is_released(&self) -> bool {
                self.release.is_none()
            }
            fn mark_released(&mut self) {
                self.release = None;
            }
        }

        /// Owns one imported base struct; `Drop` calls its release callback once.
        struct $owner(Box<$ffi>);

        impl Drop for $owner {
            fn drop(&mut self) {
                if let Some(release) = self.0.release {
                    // SAFETY: the struct came from a producer and has not been released yet;
                    // the spec lets the consumer move a base struct and release it in place.
                    unsafe { release(&mut *self.0) };
                    // A conforming release sets it to NULL itself; make sure we never call it twice.
                    self.0.release = None;
                }
            }
        }
    };
}

owned_struct!(
    OwnedSchema,
    FfiSchema,
    FfiSchema {
        format: ptr::null(),
        name: ptr::null(),
        metadata: ptr::null(),
        flags: 0,
        n_children: 0,
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }
);
owned_struct!(
    OwnedArray,
    FfiArray,
    FfiArray {
        length: 0,
        null_count: 0,
        offset: 0,
        n_buffers: 0,
        n_children: 0,
        buffers: ptr::null_mut(),
        children: ptr::null_mut(),
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }
);
owned_struct!(
    OwnedStream,
    FfiStream,
    FfiStream {
        get_schema: None,
        get_next: None,
        get_last_error: None,
        release: None,
        private_data: ptr::null_mut(),
    }
);

/// Moves the base struct out of a capsule (bitwise copy, then mark the capsule's copy released,
/// as the PyCapsule protocol prescribes), so the capsule's destructor will not release it too.
fn take_from_capsule<T: Released>(cap: &Bound<'_, PyCapsule>, name: &CStr) -> PyResult<Box<T>> {
    let p = cap.pointer_checked(Some(name))?.cast::<T>().as_ptr();
    // SAFETY: the capsule name guarantees the pointee type; we hold the GIL, so nothing else
    // touches the capsule while we move the struct out.
    let taken = unsafe {
        let taken = ptr::read(p);
        (*p).mark_released();
        taken
    };
    if taken.is_released() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "Arrow capsule {name:?} was already consumed"
        )));
    }
    Ok(Box::new(taken))
}

// ---------------------------------------------------------------------------------------------
// Validated chunks: raw pointers into the producer's buffers, read without further checks.
// ---------------------------------------------------------------------------------------------

/// What to do with a null row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullPolicy {
    /// Raise `InputTypeError("what[i] is null")` (the default: a metric of a missing text is a bug).
    Error,
    /// Read a null row as the empty string.
    Empty,
}

#[derive(Clone, Copy)]
struct Bitmap {
    bits: *const u8,
    /// Bit index of row 0 (the array's `offset`).
    offset: usize,
}

impl Bitmap {
    /// SAFETY: `i` < the array length the bitmap was checked for.
    #[inline]
    unsafe fn is_valid(&self, i: usize) -> bool {
        let k = self.offset + i;
        (*self.bits.add(k >> 3) >> (k & 7)) & 1 == 1
    }
}

trait Offset: Copy {
    fn to_usize(self) -> Option<usize>;
}
impl Offset for i32 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}
impl Offset for i64 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// `utf8` / `large_utf8`: `offsets` already points at row 0 (the array's `offset` applied).
struct OffsetValues<O> {
    offsets: *const O,
    data: *const u8,
}

/// `utf8_view`: 16-byte views (row 0 first) and the variadic data buffers.
struct ViewValues {
    views: *const u8,
    data: Vec<*const u8>,
}

#[derive(Clone, Copy)]
enum KeyWidth {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
}

/// Dictionary indices (row 0 first) of any integer width.
struct Keys {
    ptr: *const u8,
    width: KeyWidth,
}

impl Keys {
    /// SAFETY: `i` < the array length. Negative keys come back as `None`.
    #[inline]
    unsafe fn get(&self, i: usize) -> Option<usize> {
        let p = self.ptr;
        match self.width {
            KeyWidth::I8 => usize::try_from(ptr::read_unaligned(p.cast::<i8>().add(i))).ok(),
            KeyWidth::U8 => Some(usize::from(*p.add(i))),
            KeyWidth::I16 => usize::try_from(ptr::read_unaligned(p.cast::<i16>().add(i))).ok(),
            KeyWidth::U16 => Some(usize::from(ptr::read_unaligned(p.cast::<u16>().add(i)))),
            KeyWidth::I32 => usize::try_from(ptr::read_unaligned(p.cast::<i32>().add(i))).ok(),
            KeyWidth::U32 => usize::try_from(ptr::read_unaligned(p.cast::<u32>().add(i))).ok(),
            KeyWidth::I64 => usize::try_from(ptr::read_unaligned(p.cast::<i64>().add(i))).ok(),
            KeyWidth::U64 => usize::try_from(ptr::read_unaligned(p.cast::<u64>().add(i))).ok(),
        }
    }
}

enum Values {
    /// Arrow `null` type: every row is null.
    AllNull,
    Utf8(OffsetValues<i32>),
    LargeUtf8(OffsetValues<i64>),
    View(ViewValues),
    Dict(Keys, Box<Chunk>),
}

struct Chunk {
    len: usize,
    /// Kept only when the chunk has nulls and the policy lets them through.
    validity: Option<Bitmap>,
    values: Values,
}

/// Builds `&str` from a validated range.
///
/// SAFETY: `[base+at, base+at+len)` lies in a live buffer and holds valid UTF-8 (checked at import).
#[inline]
unsafe fn str_at<'a>(base: *const u8, at: usize, len: usize) -> &'a str {
    if len == 0 {
        // Empty rows may sit on a NULL data buffer, which neither `add` nor `from_raw_parts` may see.
        return "";
    }
    std::str::from_utf8_unchecked(std::slice::from_raw_parts(base.add(at), len))
}

impl Chunk {
    /// SAFETY: `i < self.len` and the chunk was validated by `import_chunk`.
    #[inline]
    unsafe fn is_null(&self, i: usize) -> bool {
        // Only called on dictionary values, which are never dictionaries themselves.
        matches!(self.values, Values::AllNull) || self.validity.is_some_and(|v| !v.is_valid(i))
    }

    /// SAFETY: `i < self.len` and the chunk was validated by `import_chunk`.
    #[inline]
    unsafe fn get(&self, i: usize) -> &str {
        if let Some(v) = self.validity {
            if !v.is_valid(i) {
                return "";
            }
        }
        match &self.values {
            Values::AllNull => "",
            Values::Utf8(o) => {
                let s = ptr::read_unaligned(o.offsets.add(i)) as usize;
                let e = ptr::read_unaligned(o.offsets.add(i + 1)) as usize;
                str_at(o.data, s, e - s)
            }
            Values::LargeUtf8(o) => {
                let s = ptr::read_unaligned(o.offsets.add(i)) as usize;
                let e = ptr::read_unaligned(o.offsets.add(i + 1)) as usize;
                str_at(o.data, s, e - s)
            }
            Values::View(v) => {
                let view = v.views.add(16 * i);
                let len = ptr::read_unaligned(view.cast::<i32>()) as usize;
                if len <= 12 {
                    str_at(view, 4, len)
                } else {
                    let buf = ptr::read_unaligned(view.add(8).cast::<i32>()) as usize;
                    let off = ptr::read_unaligned(view.add(12).cast::<i32>()) as usize;
                    str_at(*v.data.get_unchecked(buf), off, len)
                }
            }
            Values::Dict(keys, dict) => match keys.get(i) {
                Some(k) => dict.get(k),
                None => "",
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Import and validation.
// ---------------------------------------------------------------------------------------------

/// Why a chunk was refused; rows are numbered across the whole column.
enum Bad {
    Null(usize),
    Utf8(usize),
    /// Not a string type (the format string).
    Type(String),
    /// Structurally broken Arrow data (offsets out of order, views out of bounds, ...).
    Malformed(String),
}

fn malformed<T>(msg: impl Into<String>) -> Result<T, Bad> {
    Err(Bad::Malformed(msg.into()))
}

fn describe(format: &str) -> String {
    let name = match format {
        "n" => "null",
        "b" => "bool",
        "c" | "C" | "s" | "S" | "i" | "I" | "l" | "L" => "integer",
        "e" | "f" | "g" => "float",
        "z" | "Z" | "vz" => "binary",
        "+l" | "+L" | "+vl" | "+vL" => "list",
        "+s" => "struct (a table or record batch: pass one column)",
        _ if format.starts_with("w:") => "fixed-size binary",
        _ if format.starts_with("d:") => "decimal",
        _ if format.starts_with('t') => "temporal",
        _ => "non-string",
    };
    format!("Arrow type {name} (format {format:?})")
}

fn format_of(schema: &FfiSchema) -> Result<String, Bad> {
    if schema.format.is_null() {
        return malformed("schema has no format string");
    }
    // SAFETY: a non-null format is a NUL-terminated string owned by the live schema.
    let f = unsafe { CStr::from_ptr(schema.format) };
    Ok(f.to_string_lossy().into_owned())
}

/// The schema's format string if it is a type we read as strings.
fn check_type(schema: &FfiSchema) -> Result<String, Bad> {
    let format = format_of(schema)?;
    let is_dict = !schema.dictionary.is_null();
    let kind_ok = matches!(format.as_str(), "n" | "u" | "U" | "vu")
        || (is_dict
            && matches!(
                format.as_str(),
                "c" | "C" | "s" | "S" | "i" | "I" | "l" | "L"
            ));
    if !kind_ok {
        return Err(Bad::Type(describe(&format)));
    }
    Ok(format)
}

/// Reads `buffers[k]` of an array, checking `n_buffers` first.
fn buffer(arr: &FfiArray, k: usize) -> Result<*const u8, Bad> {
    let n = usize::try_from(arr.n_buffers).unwrap_or(0);
    if k >= n || arr.buffers.is_null() {
        return malformed(format!(
            "expected at least {} buffers, got {}",
            k + 1,
            arr.n_buffers
        ));
    }
    // SAFETY: `buffers` holds `n_buffers` pointers.
    Ok(unsafe { *arr.buffers.add(k) }.cast::<u8>())
}

/// Validates an array against its schema. `base` is the column row of the chunk's row 0.
/// The returned chunk borrows `arr`'s buffers: keep `arr` alive (unreleased) as long as it.
fn import_chunk(
    schema: &FfiSchema,
    arr: &FfiArray,
    base: usize,
    nulls: NullPolicy,
) -> Result<Chunk, Bad> {
    let format = check_type(schema)?;
    let (Ok(len), Ok(offset)) = (usize::try_from(arr.length), usize::try_from(arr.offset)) else {
        return malformed(format!(
            "negative length {} or offset {}",
            arr.length, arr.offset
        ));
    };
    if format == "n" {
        if len > 0 && nulls == NullPolicy::Error {
            return Err(Bad::Null(base));
        }
        return Ok(Chunk {
            len,
            validity: None,
            values: Values::AllNull,
        });
    }
    if len == 0 {
        // Buffers of an empty array may all be NULL; nothing to read.
        return Ok(Chunk {
            len,
            validity: None,
            values: Values::AllNull,
        });
    }

    // Validity: only consulted when the producer says there may be nulls (null_count != 0).
    let bits = buffer(arr, 0)?;
    let validity = if arr.null_count != 0 && !bits.is_null() {
        Some(Bitmap { bits, offset })
    } else if arr.null_count > 0 {
        return malformed("null_count > 0 without a validity buffer");
    } else {
        None
    };
    // Pointers come from the producer, which the spec obliges to provide buffers covering
    // `offset + length` rows; values are range-checked before use.
    let valid = |i: usize| {
        // SAFETY: only called with `i < len`: the validity bitmap covers `offset + len` bits.
        validity.is_none_or(|v| unsafe { v.is_valid(i) })
    };
    if nulls == NullPolicy::Error {
        if let Some(i) = (0..len).find(|&i| !valid(i)) {
            return Err(Bad::Null(base + i));
        }
    }

    let values = match format.as_str() {
        "u" => Values::Utf8(import_offsets::<i32>(arr, offset, len, base, &valid)?),
        "U" => Values::LargeUtf8(import_offsets::<i64>(arr, offset, len, base, &valid)?),
        "vu" => Values::View(import_views(arr, offset, len, base, &valid)?),
        _ => import_dict(schema, arr, &format, offset, len, base, nulls, &valid)?,
    };
    // With `NullPolicy::Error` every row is valid: drop the bitmap so `get` skips the bit test.
    let validity = if nulls == NullPolicy::Error {
        None
    } else {
        validity
    };
    Ok(Chunk {
        len,
        validity,
        values,
    })
}

fn import_offsets<O: Offset>(
    arr: &FfiArray,
    offset: usize,
    len: usize,
    base: usize,
    valid: &dyn Fn(usize) -> bool,
) -> Result<OffsetValues<O>, Bad> {
    let offsets = buffer(arr, 1)?.cast::<O>();
    let data = buffer(arr, 2)?;
    if offsets.is_null() {
        return malformed("NULL offsets buffer");
    }
    // SAFETY: the offsets buffer holds `offset + length + 1` entries (spec).
    let offsets = unsafe { offsets.add(offset) };
    let at = |k: usize| {
        // SAFETY: only called with `k <= len`: inside the `offset + len + 1` offsets.
        unsafe { ptr::read_unaligned(offsets.add(k)) }.to_usize()
    };
    let Some(first) = at(0) else {
        return malformed("negative first offset");
    };
    let mut prev = first;
    for k in 1..=len {
        match at(k) {
            Some(o) if o >= prev => prev = o,
            _ => return malformed(format!("offsets decrease at row {}", base + k - 1)),
        }
    }
    let end = prev;
    if end > first && data.is_null() {
        return malformed("NULL data buffer with non-empty values");
    }
    // Utf8 values are contiguous: validate the whole range once, then check each boundary lands
    // on a char boundary. Only if that fails, find the first bad valid row (nulls may hold junk).
    let whole: &[u8] = if end > first {
        // SAFETY: the data buffer holds at least `offsets[length]` bytes (spec).
        unsafe { std::slice::from_raw_parts(data.add(first), end - first) }
    } else {
        &[]
    };
    let fast = std::str::from_utf8(whole).is_ok()
        && (1..len).all(|k| {
            at(k).is_some_and(|o| whole.get(o - first).is_none_or(|&b| (b as i8) >= -0x40))
        });
    if !fast {
        for k in 0..len {
            if !valid(k) {
                continue;
            }
            let (s, e) = (at(k).unwrap_or(0) - first, at(k + 1).unwrap_or(0) - first);
            if std::str::from_utf8(&whole[s..e]).is_err() {
                return Err(Bad::Utf8(base + k));
            }
        }
    }
    Ok(OffsetValues { offsets, data })
}

fn import_views(
    arr: &FfiArray,
    offset: usize,
    len: usize,
    base: usize,
    valid: &dyn Fn(usize) -> bool,
) -> Result<ViewValues, Bad> {
    // Buffers: validity, views, N variadic data buffers, then an int64 array of their N sizes.
    let n_buffers = usize::try_from(arr.n_buffers).unwrap_or(0);
    if n_buffers < 3 {
        return malformed(format!(
            "utf8_view array with {n_buffers} buffers (need >= 3)"
        ));
    }
    let n_data = n_buffers - 3;
    let views = buffer(arr, 1)?;
    if views.is_null() {
        return malformed("NULL views buffer");
    }
    let sizes = buffer(arr, n_buffers - 1)?.cast::<i64>();
    let mut data = Vec::with_capacity(n_data);
    let mut size = Vec::with_capacity(n_data);
    for b in 0..n_data {
        data.push(buffer(arr, 2 + b)?);
        if sizes.is_null() {
            return malformed("NULL variadic buffer sizes");
        }
        // SAFETY: the sizes buffer holds one int64 per variadic buffer.
        let sz = unsafe { ptr::read_unaligned(sizes.add(b)) };
        size.push(usize::try_from(sz).unwrap_or(0));
    }
    // SAFETY: the views buffer holds `offset + length` views of 16 bytes.
    let views = unsafe { views.add(16 * offset) };
    // SAFETY: only called with pointers to the 4-byte fields of a view inside the views buffer.
    let rd = |p: *const u8| unsafe { ptr::read_unaligned(p.cast::<i32>()) };
    for k in 0..len {
        if !valid(k) {
            continue;
        }
        // SAFETY: `k < len`, so view `offset + k` is inside the views buffer (16 bytes each).
        let view = unsafe { views.add(16 * k) };
        let Ok(n) = usize::try_from(rd(view)) else {
            return malformed(format!("negative view length at row {}", base + k));
        };
        let bytes: &[u8] = if n <= 12 {
            // SAFETY: an inline view stores its `n <= 12` bytes at offset 4 of its 16 bytes.
            unsafe { std::slice::from_raw_parts(view.add(4), n) }
        } else {
            // SAFETY: the buffer index and offset fields lie at bytes 8 and 12 of the view.
            let (buf, off) = (rd(unsafe { view.add(8) }), rd(unsafe { view.add(12) }));
            let (Ok(buf), Ok(off)) = (usize::try_from(buf), usize::try_from(off)) else {
                return malformed(format!("negative view buffer/offset at row {}", base + k));
            };
            match (data.get(buf), size.get(buf)) {
                (Some(p), Some(&sz))
                    if !p.is_null() && off.checked_add(n).is_some_and(|e| e <= sz) =>
                {
                    // SAFETY: bounds checked against the buffer size the producer declared.
                    unsafe { std::slice::from_raw_parts(p.add(off), n) }
                }
                _ => {
                    return malformed(format!(
                        "view at row {} points outside its buffer",
                        base + k
                    ))
                }
            }
        };
        if std::str::from_utf8(bytes).is_err() {
            return Err(Bad::Utf8(base + k));
        }
    }
    Ok(ViewValues { views, data })
}

#[allow(clippy::too_many_arguments)]
fn import_dict(
    schema: &FfiSchema,
    arr: &FfiArray,
    format: &str,
    offset: usize,
    len: usize,
    base: usize,
    nulls: NullPolicy,
    valid: &dyn Fn(usize) -> bool,
) -> Result<Values, Bad> {
    if arr.dictionary.is_null() {
        return malformed("dictionary-encoded array without a dictionary");
    }
    // SAFETY: both dictionaries are owned by (and live as long as) their parents.
    let (dschema, darr) = unsafe { (&*schema.dictionary, &*arr.dictionary) };
    let dformat = format_of(dschema)?;
    if !matches!(dformat.as_str(), "u" | "U" | "vu") || !dschema.dictionary.is_null() {
        return Err(Bad::Type(format!("dictionary of {}", describe(&dformat))));
    }
    // Dictionary values keep their own nulls; a row that points at one is a null row.
    let dict = match import_chunk(dschema, darr, 0, NullPolicy::Empty) {
        Ok(d) => d,
        Err(Bad::Utf8(i)) => return malformed(format!("dictionary value {i} is not valid UTF-8")),
        Err(e) => return Err(e),
    };
    let width = match format {
        "c" => KeyWidth::I8,
        "C" => KeyWidth::U8,
        "s" => KeyWidth::I16,
        "S" => KeyWidth::U16,
        "i" => KeyWidth::I32,
        "I" => KeyWidth::U32,
        "l" => KeyWidth::I64,
        _ => KeyWidth::U64,
    };
    let size = match width {
        KeyWidth::I8 | KeyWidth::U8 => 1,
        KeyWidth::I16 | KeyWidth::U16 => 2,
        KeyWidth::I32 | KeyWidth::U32 => 4,
        KeyWidth::I64 | KeyWidth::U64 => 8,
    };
    let ptr = buffer(arr, 1)?;
    if ptr.is_null() {
        return malformed("NULL dictionary indices buffer");
    }
    let keys = Keys {
        // SAFETY: the indices buffer holds `offset + length` keys.
        ptr: unsafe { ptr.add(size * offset) },
        width,
    };
    for k in 0..len {
        if !valid(k) {
            continue;
        }
        // SAFETY: `k < len` keys follow `keys.ptr` (see above).
        match unsafe { keys.get(k) } {
            Some(key) if key < dict.len => {
                // SAFETY: `key < dict.len`, checked on the line above.
                if nulls == NullPolicy::Error && unsafe { dict.is_null(key) } {
                    return Err(Bad::Null(base + k));
                }
            }
            _ => return malformed(format!("dictionary index out of range at row {}", base + k)),
        }
    }
    Ok(Values::Dict(keys, Box::new(dict)))
}

// ---------------------------------------------------------------------------------------------
// The column.
// ---------------------------------------------------------------------------------------------

/// A string column borrowed from Arrow buffers (one or more chunks), validated at import.
pub struct ArrowStrings {
    chunks: Vec<Chunk>,
    /// `starts[c]` = column row of chunk `c`'s row 0; one extra entry holds the total length.
    starts: Vec<usize>,
    /// The imported arrays the chunks point into; released (once) when this is dropped.
    _arrays: Vec<OwnedArray>,
    _schema: OwnedSchema,
}

// SAFETY: after import the buffers are only read (the spec makes exported data immutable), so
// `&ArrowStrings` may be shared with worker threads. It is deliberately not `Send`: it is dropped
// (arrays released) on the thread that imported it, which is attached to the interpreter.
unsafe impl Sync for ArrowStrings {}

impl ArrowStrings {
    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Row `i` (a null row reads as `""` under `NullPolicy::Empty`). Panics if `i >= len()`,
    /// like slice indexing.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        assert!(
            i < self.len(),
            "row {i} out of range for {} rows",
            self.len()
        );
        let c = if self.chunks.len() == 1 {
            0
        } else {
            self.starts.partition_point(|&s| s <= i) - 1
        };
        // SAFETY: `i` is in range and chunk `c` covers it; chunks were validated at import and
        // the arrays they point into live in `self._arrays`.
        unsafe { self.chunks[c].get(i - self.starts[c]) }
    }

    fn push(&mut self, schema: &FfiSchema, arr: OwnedArray, nulls: NullPolicy) -> Result<(), Bad> {
        let base = self.len();
        let chunk = import_chunk(schema, &arr.0, base, nulls)?;
        if chunk.len > 0 {
            self.starts.push(base + chunk.len);
            self.chunks.push(chunk);
        }
        self._arrays.push(arr);
        Ok(())
    }
}

fn to_pyerr(py: Python<'_>, what: &str, bad: Bad) -> PyErr {
    match bad {
        Bad::Null(i) => type_error(py, format!("{what}[{i}] is null")),
        Bad::Utf8(i) => value_error(py, format!("{what}[{i}] is not valid UTF-8")),
        Bad::Type(t) => type_error(
            py,
            format!(
                "{what} must be a string column (Arrow utf8, large_utf8, utf8_view or a \
                 dictionary of them), got {t}"
            ),
        ),
        Bad::Malformed(m) => value_error(py, format!("{what}: malformed Arrow data: {m}")),
    }
}

/// The message a stream gives for a failed call, if any.
fn stream_error(stream: &mut FfiStream, rc: c_int) -> String {
    let msg = stream.get_last_error.and_then(|f| {
        // SAFETY: the stream is live; the message stays valid until the next call on it.
        let p = unsafe { f(stream) };
        (!p.is_null()).then(|| {
            // SAFETY: a non-null error message is a NUL-terminated string owned by the stream.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        })
    });
    msg.unwrap_or_else(|| format!("error code {rc}"))
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
    let mut stream = OwnedStream(take_from_capsule::<FfiStream>(cap, c"arrow_array_stream")?);
    let (Some(get_schema), Some(get_next)) = (stream.0.get_schema, stream.0.get_next) else {
        return Err(value_error(py, format!("{what}: malformed Arrow stream")));
    };
    let mut schema = OwnedSchema(Box::new(FfiSchema::empty()));
    // SAFETY: live stream; on success the callee fills `schema`, which we then own.
    let rc = unsafe { get_schema(&mut *stream.0, &mut *schema.0) };
    if rc != 0 {
        let msg = stream_error(&mut stream.0, rc);
        return Err(value_error(
            py,
            format!("{what}: Arrow stream failed: {msg}"),
        ));
    }
    // Refuse a non-string stream (a whole table, say) before pulling any batch from it.
    check_type(&schema.0).map_err(|b| to_pyerr(py, what, b))?;
    let mut col = ArrowStrings {
        chunks: Vec::new(),
        starts: vec![0],
        _arrays: Vec::new(),
        _schema: schema,
    };
    loop {
        let mut arr = OwnedArray(Box::new(FfiArray::empty()));
        // SAFETY: live stream; on success the callee fills `arr` (released == end of stream).
        let rc = unsafe { get_next(&mut *stream.0, &mut *arr.0) };
        if rc != 0 {
            let msg = stream_error(&mut stream.0, rc);
            return Err(value_error(
                py,
                format!("{what}: Arrow stream failed: {msg}"),
            ));
        }
        if arr.0.is_released() {
            break;
        }
        let schema: *const FfiSchema = &*col._schema.0;
        // SAFETY: `_schema` is a live schema we own (a raw pointer avoids borrowing `col` twice).
        col.push(unsafe { &*schema }, arr, nulls)
            .map_err(|b| to_pyerr(py, what, b))?;
    }
    // Arrays outlive the stream they came from (spec), so the stream is released here.
    drop(stream);
    Ok(col)
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
    let schema = OwnedSchema(take_from_capsule::<FfiSchema>(s, c"arrow_schema")?);
    let arr = OwnedArray(take_from_capsule::<FfiArray>(a, c"arrow_array")?);
    let mut col = ArrowStrings {
        chunks: Vec::new(),
        starts: vec![0],
        _arrays: Vec::new(),
        _schema: schema,
    };
    let schema: *const FfiSchema = &*col._schema.0;
    // SAFETY: `_schema` is a live schema we own (a raw pointer avoids borrowing `col` twice).
    col.push(unsafe { &*schema }, arr, nulls)
        .map_err(|b| to_pyerr(py, what, b))?;
    Ok(col)
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
