//! Validation at import, then unchecked reads: raw pointers into the producer's buffers.

use std::ffi::CStr;
use std::fmt;
use std::ptr;

use crate::ffi::{ArrowArray, ArrowSchema, OwnedArray, OwnedSchema, OwnedStream};

/// What to do with a null row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullPolicy {
    /// Refuse the column (`ImportError::Null`): a metric of a missing text is a bug.
    Error,
    /// Read a null row as the empty string.
    Empty,
}

/// Why a column was refused; rows are numbered across the whole column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    /// Row `i` is null under `NullPolicy::Error`.
    Null(usize),
    /// Row `i` is not valid UTF-8.
    Utf8(usize),
    /// Not a string type: a description of the Arrow type and its format string.
    Type(String),
    /// Structurally broken Arrow data (offsets out of order, views out of bounds, ...).
    Malformed(String),
    /// A stream without its `get_schema` / `get_next` callbacks.
    MalformedStream,
    /// A stream callback failed: the stream's message, or its error code.
    Stream(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Null(i) => write!(f, "row {i} is null"),
            ImportError::Utf8(i) => write!(f, "row {i} is not valid UTF-8"),
            ImportError::Type(t) => write!(f, "not a string column: {t}"),
            ImportError::Malformed(m) => write!(f, "malformed Arrow data: {m}"),
            ImportError::MalformedStream => write!(f, "malformed Arrow stream"),
            ImportError::Stream(m) => write!(f, "Arrow stream failed: {m}"),
        }
    }
}

impl std::error::Error for ImportError {}

type Bad = ImportError;

fn malformed<T>(msg: impl Into<String>) -> Result<T, Bad> {
    Err(Bad::Malformed(msg.into()))
}

#[derive(Clone, Copy)]
struct Bitmap {
    bits: *const u8,
    /// Bit index of row 0 (the array's `offset`).
    offset: usize,
}

impl Bitmap {
    /// # Safety
    /// `i` < the array length the bitmap was imported for (it covers `offset + length` bits).
    #[inline]
    unsafe fn is_valid(&self, i: usize) -> bool {
        let k = self.offset + i;
        // SAFETY: bit `k` lies in the bitmap (caller), so byte `k / 8` does too.
        (unsafe { *self.bits.add(k >> 3) } >> (k & 7)) & 1 == 1
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

impl KeyWidth {
    fn of(format: &str) -> Option<KeyWidth> {
        Some(match format {
            "c" => KeyWidth::I8,
            "C" => KeyWidth::U8,
            "s" => KeyWidth::I16,
            "S" => KeyWidth::U16,
            "i" => KeyWidth::I32,
            "I" => KeyWidth::U32,
            "l" => KeyWidth::I64,
            "L" => KeyWidth::U64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            KeyWidth::I8 | KeyWidth::U8 => 1,
            KeyWidth::I16 | KeyWidth::U16 => 2,
            KeyWidth::I32 | KeyWidth::U32 => 4,
            KeyWidth::I64 | KeyWidth::U64 => 8,
        }
    }
}

/// Dictionary indices (row 0 first) of any integer width.
struct Keys {
    ptr: *const u8,
    width: KeyWidth,
}

impl Keys {
    /// Key `i`; negative keys (and keys beyond `usize`) come back as `None`.
    ///
    /// # Safety
    /// `i` < the array length the keys were imported for.
    #[inline]
    unsafe fn get(&self, i: usize) -> Option<usize> {
        let p = self.ptr;
        // SAFETY: the indices buffer holds `length` keys of this width from `ptr` on (caller);
        // unaligned reads because the spec only recommends alignment.
        unsafe {
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
}

enum Values {
    /// Arrow `null` type (or an empty array): every row reads as "".
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
/// # Safety
/// `[base+at, base+at+len)` lies in a live buffer and holds valid UTF-8 (checked at import).
#[inline]
unsafe fn str_at<'a>(base: *const u8, at: usize, len: usize) -> &'a str {
    if len == 0 {
        // Empty rows may sit on a NULL data buffer, which neither `add` nor `from_raw_parts` may see.
        return "";
    }
    // SAFETY: the range is in a live buffer and is valid UTF-8 (caller).
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(base.add(at), len)) }
}

impl Chunk {
    /// # Safety
    /// `i < self.len` and the chunk was validated by `import_chunk`.
    #[inline]
    unsafe fn is_null(&self, i: usize) -> bool {
        // Only called on dictionary values, which are never dictionaries themselves.
        matches!(self.values, Values::AllNull)
            // SAFETY: `i < self.len` (caller).
            || self.validity.is_some_and(|v| !unsafe { v.is_valid(i) })
    }

    /// # Safety
    /// `i < self.len` and the chunk was validated by `import_chunk`.
    #[inline]
    unsafe fn get(&self, i: usize) -> &str {
        if let Some(v) = self.validity {
            // SAFETY: `i < self.len` (caller).
            if !unsafe { v.is_valid(i) } {
                return "";
            }
        }
        // SAFETY: row `i` is valid and in range, and `import_chunk` checked exactly what is read
        // here for every valid row: offsets (in order, UTF-8 between them), views (in their
        // buffers, UTF-8) and keys (inside the dictionary).
        unsafe {
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
}

// ---------------------------------------------------------------------------------------------
// Import and validation.
// ---------------------------------------------------------------------------------------------

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

fn format_of(schema: &ArrowSchema) -> Result<String, Bad> {
    if schema.format.is_null() {
        return malformed("schema has no format string");
    }
    // SAFETY: a non-null format is a NUL-terminated string owned by the live schema (spec).
    let f = unsafe { CStr::from_ptr(schema.format) };
    Ok(f.to_string_lossy().into_owned())
}

/// The schema's format string if it is a type we read as strings.
fn check_type(schema: &ArrowSchema) -> Result<String, Bad> {
    let format = format_of(schema)?;
    let is_dict = !schema.dictionary.is_null();
    let kind_ok = matches!(format.as_str(), "n" | "u" | "U" | "vu")
        || (is_dict && KeyWidth::of(&format).is_some());
    if !kind_ok {
        return Err(Bad::Type(describe(&format)));
    }
    Ok(format)
}

/// Reads `buffers[k]` of an array, checking `n_buffers` first.
fn buffer(arr: &ArrowArray, k: usize) -> Result<*const u8, Bad> {
    let n = usize::try_from(arr.n_buffers).unwrap_or(0);
    if k >= n || arr.buffers.is_null() {
        return malformed(format!(
            "expected at least {} buffers, got {}",
            k + 1,
            arr.n_buffers
        ));
    }
    // SAFETY: a non-null `buffers` holds `n_buffers` pointers (spec), and `k < n_buffers`.
    Ok(unsafe { *arr.buffers.add(k) }.cast::<u8>())
}

/// Refuses an array whose buffers would span more than `isize::MAX` bytes: `items` entries of
/// `width` bytes (pointer arithmetic past that is undefined, so no producer can have made one).
fn check_span(items: usize, width: usize, what: &str) -> Result<(), Bad> {
    match items.checked_mul(width) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => malformed(format!(
            "{what} of {items} entries overflows the address space"
        )),
    }
}

/// Validates an array against its schema. `base` is the column row of the chunk's row 0.
/// The returned chunk borrows `arr`'s buffers: keep `arr` alive (unreleased) as long as it.
fn import_chunk(
    schema: &ArrowSchema,
    arr: &ArrowArray,
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
    // Every buffer below is indexed up to `offset + len` (+1 for offsets): keep that computable.
    let Some(rows) = offset
        .checked_add(len)
        .filter(|&r| r < isize::MAX as usize / 16)
    else {
        return malformed(format!(
            "length {} + offset {} overflows",
            arr.length, arr.offset
        ));
    };
    if base.checked_add(len).is_none() {
        return malformed("column length overflows");
    }
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
        _ => import_dict(schema, arr, &format, rows, len, base, nulls, &valid)?,
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
    arr: &ArrowArray,
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
    check_span(offset + len + 1, std::mem::size_of::<O>(), "offsets buffer")?;
    // SAFETY: the offsets buffer holds `offset + length + 1` entries (spec), a span that fits
    // the address space (checked above).
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
    check_span(end, 1, "data buffer")?;
    // Utf8 values are contiguous: validate the whole range once, then check each boundary lands
    // on a char boundary. Only if that fails, find the first bad valid row (nulls may hold junk).
    let whole: &[u8] = if end > first {
        // SAFETY: the data buffer holds at least `offsets[offset + length]` bytes (spec); the
        // range is non-empty, so `data` is not NULL (checked above).
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
    arr: &ArrowArray,
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
        // SAFETY: the sizes buffer holds one int64 per variadic buffer (spec).
        let sz = unsafe { ptr::read_unaligned(sizes.add(b)) };
        size.push(usize::try_from(sz).unwrap_or(0));
    }
    check_span(offset + len, 16, "views buffer")?;
    // SAFETY: the views buffer holds `offset + length` views of 16 bytes (spec), a span that fits
    // the address space (checked above).
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
    schema: &ArrowSchema,
    arr: &ArrowArray,
    format: &str,
    rows: usize,
    len: usize,
    base: usize,
    nulls: NullPolicy,
    valid: &dyn Fn(usize) -> bool,
) -> Result<Values, Bad> {
    if arr.dictionary.is_null() {
        return malformed("dictionary-encoded array without a dictionary");
    }
    // SAFETY: `check_type` only lets a dictionary format through with a non-null
    // `schema.dictionary`, `arr.dictionary` is non-null (checked above), and both are owned by
    // (and live as long as) their parents.
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
    let Some(width) = KeyWidth::of(format) else {
        return Err(Bad::Type(describe(format)));
    };
    let ptr = buffer(arr, 1)?;
    if ptr.is_null() {
        return malformed("NULL dictionary indices buffer");
    }
    check_span(rows, width.size(), "dictionary indices buffer")?;
    let keys = Keys {
        // SAFETY: the indices buffer holds `offset + length` keys (spec), a span that fits the
        // address space (checked above).
        ptr: unsafe { ptr.add(width.size() * (rows - len)) },
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
///
/// `Sync`, so worker threads may read it. Not `Send`: it is dropped (its arrays released) on the
/// thread that imported it, which a Python binding keeps attached to the interpreter.
pub struct StringColumn {
    chunks: Vec<Chunk>,
    /// `starts[c]` = column row of chunk `c`'s row 0; one extra entry holds the total length.
    starts: Vec<usize>,
    /// The imported arrays the chunks point into; released (once) when this is dropped.
    arrays: Vec<OwnedArray>,
    schema: OwnedSchema,
}

// SAFETY: after import the buffers are only read (the spec makes exported data immutable), so
// `&StringColumn` may be shared with worker threads; the raw pointers make it `!Send` already.
unsafe impl Sync for StringColumn {}

impl fmt::Debug for StringColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StringColumn")
            .field("len", &self.len())
            .field("chunks", &self.chunks.len())
            .finish()
    }
}

impl StringColumn {
    fn new(schema: OwnedSchema) -> Self {
        StringColumn {
            chunks: Vec::new(),
            starts: vec![0],
            arrays: Vec::new(),
            schema,
        }
    }

    /// Imports one array (what `__arrow_c_array__` exports).
    pub fn from_array(
        schema: OwnedSchema,
        array: OwnedArray,
        nulls: NullPolicy,
    ) -> Result<Self, ImportError> {
        let mut col = StringColumn::new(schema);
        col.push(array, nulls)?;
        Ok(col)
    }

    /// Imports every array of a stream (what `__arrow_c_stream__` exports), refusing a
    /// non-string stream (a whole table, say) before pulling any array from it. The stream is
    /// released before this returns; the arrays outlive it (spec).
    pub fn from_stream(mut stream: OwnedStream, nulls: NullPolicy) -> Result<Self, ImportError> {
        let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
            return Err(Bad::MalformedStream);
        };
        let mut schema = OwnedSchema::unfilled();
        // SAFETY: the stream is live (owned, unreleased); on success the callee fills `schema`,
        // which we then own and release.
        let rc = unsafe { get_schema(stream.as_mut_ptr(), schema.as_mut_ptr()) };
        if rc != 0 {
            return Err(Bad::Stream(stream.last_error(rc)));
        }
        check_type(&schema)?;
        let mut col = StringColumn::new(schema);
        loop {
            let mut arr = OwnedArray::unfilled();
            // SAFETY: the stream is live; on success the callee fills `arr` (left released at
            // the end of the stream), which we then own and release.
            let rc = unsafe { get_next(stream.as_mut_ptr(), arr.as_mut_ptr()) };
            if rc != 0 {
                return Err(Bad::Stream(stream.last_error(rc)));
            }
            if arr.is_released() {
                break;
            }
            col.push(arr, nulls)?;
        }
        drop(stream);
        Ok(col)
    }

    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        // the arrays they point into live (unreleased) in `self.arrays`.
        unsafe { self.chunks[c].get(i - self.starts[c]) }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    fn push(&mut self, arr: OwnedArray, nulls: NullPolicy) -> Result<(), Bad> {
        let base = self.len();
        let chunk = import_chunk(&self.schema, &arr, base, nulls)?;
        if chunk.len > 0 {
            self.starts.push(base + chunk.len);
            self.chunks.push(chunk);
        }
        self.arrays.push(arr);
        Ok(())
    }
}
