//! C-ABI arrays and streams built in Rust, well-formed and hostile: every hostile one must come
//! back as an `ImportError` (never a read out of bounds; `scripts/miri.sh` runs these under Miri),
//! and every imported struct must be released exactly once.

use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lexmetrics_arrow_c::ffi::{ArrowArray, ArrowArrayStream, ArrowSchema};
use lexmetrics_arrow_c::{
    ImportError, NullPolicy, OwnedArray, OwnedSchema, OwnedStream, StringColumn,
};

// ---------------------------------------------------------------------------------------------
// A producer: structs that own their buffers and count their releases.
// ---------------------------------------------------------------------------------------------

struct SchemaPrivate {
    _format: CString,
    dictionary: *mut ArrowSchema,
    releases: Arc<AtomicUsize>,
}

unsafe extern "C" fn release_schema(s: *mut ArrowSchema) {
    // SAFETY: test producer: `s` is one of our schemas, released once (the consumer's duty).
    unsafe {
        let private = Box::from_raw((*s).private_data.cast::<SchemaPrivate>());
        if !private.dictionary.is_null() {
            let mut dict = Box::from_raw(private.dictionary);
            if let Some(release) = dict.release {
                release(&mut *dict);
            }
        }
        private.releases.fetch_add(1, Ordering::SeqCst);
        (*s).release = None;
    }
}

fn schema(
    format: &str,
    dictionary: Option<ArrowSchema>,
    releases: &Arc<AtomicUsize>,
) -> ArrowSchema {
    let format = CString::new(format).unwrap();
    let dictionary = dictionary.map_or(ptr::null_mut(), |d| Box::into_raw(Box::new(d)));
    let private = Box::new(SchemaPrivate {
        _format: format,
        dictionary,
        releases: releases.clone(),
    });
    ArrowSchema {
        format: private._format.as_ptr(),
        dictionary,
        release: Some(release_schema),
        private_data: Box::into_raw(private).cast(),
        ..ArrowSchema::empty()
    }
}

struct ArrayPrivate {
    _buffers: Vec<Option<Vec<u8>>>,
    pointers: Vec<*const c_void>,
    dictionary: *mut ArrowArray,
    releases: Arc<AtomicUsize>,
}

unsafe extern "C" fn release_array(a: *mut ArrowArray) {
    // SAFETY: test producer: `a` is one of our arrays, released once (the consumer's duty).
    unsafe {
        let private = Box::from_raw((*a).private_data.cast::<ArrayPrivate>());
        if !private.dictionary.is_null() {
            let mut dict = Box::from_raw(private.dictionary);
            if let Some(release) = dict.release {
                release(&mut *dict);
            }
        }
        private.releases.fetch_add(1, Ordering::SeqCst);
        (*a).release = None;
    }
}

/// An array of `length` rows from `offset` on; `None` buffers are NULL pointers.
fn array(
    length: i64,
    offset: i64,
    null_count: i64,
    buffers: Vec<Option<Vec<u8>>>,
    dictionary: Option<ArrowArray>,
    releases: &Arc<AtomicUsize>,
) -> ArrowArray {
    let pointers: Vec<*const c_void> = buffers
        .iter()
        .map(|b| b.as_ref().map_or(ptr::null(), |b| b.as_ptr().cast()))
        .collect();
    let dictionary = dictionary.map_or(ptr::null_mut(), |d| Box::into_raw(Box::new(d)));
    let n_buffers = pointers.len() as i64;
    let private = Box::into_raw(Box::new(ArrayPrivate {
        _buffers: buffers,
        pointers,
        dictionary,
        releases: releases.clone(),
    }));
    ArrowArray {
        length,
        null_count,
        offset,
        n_buffers,
        // SAFETY: `private` was just leaked from a Box and is only freed by `release_array`.
        buffers: unsafe { (*private).pointers.as_mut_ptr() },
        dictionary,
        release: Some(release_array),
        private_data: private.cast(),
        ..ArrowArray::empty()
    }
}

fn bitmap(valid: &[bool]) -> Vec<u8> {
    let mut bits = vec![0u8; valid.len().div_ceil(8).max(1)];
    for (i, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
        bits[i / 8] |= 1 << (i % 8);
    }
    bits
}

fn le_bytes<T: Copy, const N: usize>(xs: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    xs.iter().flat_map(|&x| f(x)).collect()
}

/// Offsets and data of `rows` (a null row is stored as "").
fn offsets_and_data(rows: &[Option<&[u8]>]) -> (Vec<i64>, Vec<u8>) {
    let mut offsets = vec![0i64];
    let mut data = Vec::new();
    for r in rows {
        data.extend_from_slice(r.unwrap_or_default());
        offsets.push(data.len() as i64);
    }
    (offsets, data)
}

fn validity(rows: &[Option<&[u8]>]) -> (i64, Option<Vec<u8>>) {
    let nulls = rows.iter().filter(|r| r.is_none()).count() as i64;
    let valid: Vec<bool> = rows.iter().map(Option::is_some).collect();
    (nulls, (nulls > 0).then(|| bitmap(&valid)))
}

/// A `utf8` (i32 offsets) array of the given rows.
fn utf8(rows: &[Option<&[u8]>], r: &Arc<AtomicUsize>) -> ArrowArray {
    let (offsets, data) = offsets_and_data(rows);
    let offsets: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
    let (nulls, bits) = validity(rows);
    let buffers = vec![bits, Some(le_bytes(&offsets, i32::to_le_bytes)), Some(data)];
    array(rows.len() as i64, 0, nulls, buffers, None, r)
}

/// A raw `utf8` array from explicit offsets and data (no nulls).
fn raw_utf8(offsets: &[i32], data: &[u8], r: &Arc<AtomicUsize>) -> ArrowArray {
    let buffers = vec![
        None,
        Some(le_bytes(offsets, i32::to_le_bytes)),
        Some(data.to_vec()),
    ];
    array(offsets.len() as i64 - 1, 0, 0, buffers, None, r)
}

/// Takes ownership of a schema and an array, as a capsule consumer does, and imports them.
fn import(s: ArrowSchema, a: ArrowArray, nulls: NullPolicy) -> Result<StringColumn, ImportError> {
    let (mut s, mut a) = (s, a);
    // SAFETY: both were just built by this producer and are used nowhere else.
    let (s, a) = unsafe { (OwnedSchema::take(&mut s), OwnedArray::take(&mut a)) };
    StringColumn::from_array(s.unwrap(), a.unwrap(), nulls)
}

fn rows(col: &StringColumn) -> Vec<&str> {
    col.iter().collect()
}

fn malformed(res: Result<StringColumn, ImportError>) -> String {
    match res {
        Err(ImportError::Malformed(m)) => m,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// Checks, after the test body dropped everything, that each struct was released once.
struct Releases(Arc<AtomicUsize>);

impl Releases {
    fn new() -> Self {
        Releases(Arc::new(AtomicUsize::new(0)))
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------
// Well-formed input.
// ---------------------------------------------------------------------------------------------

#[test]
fn utf8_rows_nulls_and_release_once() {
    let r = Releases::new();
    let data: [Option<&[u8]>; 4] = [Some(b"a b"), None, Some("é😀".as_bytes()), Some(b"")];
    let col = import(
        schema("u", None, &r.0),
        utf8(&data, &r.0),
        NullPolicy::Empty,
    )
    .unwrap();
    assert_eq!(rows(&col), ["a b", "", "é😀", ""]);
    assert_eq!(r.count(), 0);
    drop(col);
    assert_eq!(r.count(), 2, "schema and array each released exactly once");

    let err = import(
        schema("u", None, &r.0),
        utf8(&data, &r.0),
        NullPolicy::Error,
    )
    .unwrap_err();
    assert_eq!(err, ImportError::Null(1));
    assert_eq!(r.count(), 4, "released on the error path too");
}

#[test]
fn large_utf8_with_offset() {
    let r = Releases::new();
    let (offsets, data) = offsets_and_data(&[Some(b"skip"), Some(b"x"), Some(b"yz"), None]);
    let bits = bitmap(&[true, true, true, false]);
    let buffers = vec![
        Some(bits),
        Some(le_bytes(&offsets, i64::to_le_bytes)),
        Some(data),
    ];
    let arr = array(3, 1, 1, buffers, None, &r.0);
    let col = import(schema("U", None, &r.0), arr, NullPolicy::Empty).unwrap();
    assert_eq!(rows(&col), ["x", "yz", ""]);
}

#[test]
fn null_type_and_empty_arrays() {
    let r = Releases::new();
    let nulls = array(3, 0, 3, vec![], None, &r.0);
    let col = import(schema("n", None, &r.0), nulls, NullPolicy::Empty).unwrap();
    assert_eq!(rows(&col), ["", "", ""]);
    drop(col);
    let nulls = array(3, 0, 3, vec![], None, &r.0);
    let err = import(schema("n", None, &r.0), nulls, NullPolicy::Error).unwrap_err();
    assert_eq!(err, ImportError::Null(0));
    // An empty array may have every buffer NULL.
    let empty = array(0, 0, 0, vec![None, None, None], None, &r.0);
    let col = import(schema("u", None, &r.0), empty, NullPolicy::Error).unwrap();
    assert!(col.is_empty());
    drop(col);
    assert_eq!(r.count(), 6);
}

/// `utf8_view` views: inline (<= 12 bytes) or (length, prefix, buffer index, offset).
fn view(s: &[u8], buffer: i32, offset: i32) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(s.len() as i32).to_le_bytes());
    if s.len() <= 12 {
        v[4..4 + s.len()].copy_from_slice(s);
    } else {
        v[4..8].copy_from_slice(&s[..4]);
        v[8..12].copy_from_slice(&buffer.to_le_bytes());
        v[12..16].copy_from_slice(&offset.to_le_bytes());
    }
    v
}

fn views_array(views: &[[u8; 16]], data: Vec<u8>, size: i64, r: &Arc<AtomicUsize>) -> ArrowArray {
    let buffers = vec![
        None,
        Some(views.concat()),
        Some(data),
        Some(size.to_le_bytes().to_vec()),
    ];
    array(views.len() as i64, 0, 0, buffers, None, r)
}

#[test]
fn utf8_view_inline_and_in_buffer() {
    let r = Releases::new();
    let long = "a longer string, é".as_bytes();
    let mut data = b"xx".to_vec();
    data.extend_from_slice(long);
    let views = [view(b"short", 0, 0), view(long, 0, 2), view(b"", 0, 0)];
    let arr = views_array(&views, data.clone(), data.len() as i64, &r.0);
    let col = import(schema("vu", None, &r.0), arr, NullPolicy::Error).unwrap();
    assert_eq!(rows(&col), ["short", "a longer string, é", ""]);
}

fn dict_array(
    keys: Vec<u8>,
    key_nulls: Option<&[bool]>,
    values: ArrowArray,
    r: &Arc<AtomicUsize>,
) -> ArrowArray {
    let n = keys.len() as i64;
    let null_count = key_nulls.map_or(0, |v| v.iter().filter(|b| !**b).count() as i64);
    let bits = key_nulls.map(bitmap);
    array(n, 0, null_count, vec![bits, Some(keys)], Some(values), r)
}

#[test]
fn dictionary_of_utf8() {
    let r = Releases::new();
    let values = utf8(&[Some(b"zero"), None, Some(b"two")], &r.0);
    let arr = dict_array(
        vec![2, 0, 0, 1],
        Some(&[true, true, false, true]),
        values,
        &r.0,
    );
    let s = schema("C", Some(schema("u", None, &r.0)), &r.0);
    let col = import(s, arr, NullPolicy::Empty).unwrap();
    assert_eq!(rows(&col), ["two", "zero", "", ""]);
    drop(col);
    assert_eq!(r.count(), 4, "dictionaries released by their parents");

    // A key that points at a null dictionary value is a null row.
    let values = utf8(&[Some(b"zero"), None], &r.0);
    let arr = dict_array(vec![0, 1], None, values, &r.0);
    let s = schema("c", Some(schema("u", None, &r.0)), &r.0);
    assert_eq!(
        import(s, arr, NullPolicy::Error).unwrap_err(),
        ImportError::Null(1)
    );
}

#[test]
fn shared_by_threads() {
    let r = Releases::new();
    let data: Vec<Option<&[u8]>> = vec![Some(b"abc"), Some(b"de")];
    let col = import(
        schema("u", None, &r.0),
        utf8(&data, &r.0),
        NullPolicy::Error,
    )
    .unwrap();
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| col.iter().map(str::len).sum::<usize>()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(total, 10);
}

#[test]
fn take_refuses_a_released_struct() {
    let r = Releases::new();
    let mut s = schema("u", None, &r.0);
    // SAFETY: a struct this producer built, used nowhere else.
    let owned = unsafe { OwnedSchema::take(&mut s) }.unwrap();
    assert!(
        s.release.is_none(),
        "the source is marked released, as capsules require"
    );
    // SAFETY: as above; `s` is now a released struct.
    assert!(unsafe { OwnedSchema::take(&mut s) }.is_none());
    drop(owned);
    assert_eq!(r.count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Hostile arrays: refused with an error, never read out of bounds.
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_format_strings() {
    let r = Releases::new();
    for (format, want) in [
        ("i", "integer"),
        ("z", "binary"),
        ("+s", "struct"),
        ("tdD", "temporal"),
        ("w:4", "fixed-size binary"),
        ("?", "non-string"),
    ] {
        let a = utf8(&[Some(b"x")], &r.0);
        match import(schema(format, None, &r.0), a, NullPolicy::Error) {
            Err(ImportError::Type(t)) => assert!(t.contains(want), "{format}: {t}"),
            other => panic!("{format}: {other:?}"),
        }
    }
    // No format string at all.
    let mut s = schema("u", None, &r.0);
    s.format = ptr::null();
    let m = malformed(import(s, utf8(&[Some(b"x")], &r.0), NullPolicy::Error));
    assert!(m.contains("no format"), "{m}");
    // A dictionary of integers; integer keys without a dictionary.
    let values = array(1, 0, 0, vec![None, Some(vec![0; 4])], None, &r.0);
    let arr = dict_array(vec![0], None, values, &r.0);
    let s = schema("C", Some(schema("i", None, &r.0)), &r.0);
    assert!(
        matches!(import(s, arr, NullPolicy::Error), Err(ImportError::Type(t)) if t.starts_with("dictionary of"))
    );
    drop(r);
}

#[test]
fn offsets_decreasing_negative_or_null() {
    let r = Releases::new();
    let m = malformed(import(
        schema("u", None, &r.0),
        raw_utf8(&[0, 3, 2], b"abc", &r.0),
        NullPolicy::Error,
    ));
    assert_eq!(m, "offsets decrease at row 1");
    let m = malformed(import(
        schema("u", None, &r.0),
        raw_utf8(&[-1, 2], b"abc", &r.0),
        NullPolicy::Error,
    ));
    assert_eq!(m, "negative first offset");
    let m = malformed(import(
        schema("u", None, &r.0),
        raw_utf8(&[0, -5], b"abc", &r.0),
        NullPolicy::Error,
    ));
    assert_eq!(m, "offsets decrease at row 0");
    let arr = array(1, 0, 0, vec![None, None, Some(b"ab".to_vec())], None, &r.0);
    assert_eq!(
        malformed(import(schema("u", None, &r.0), arr, NullPolicy::Error)),
        "NULL offsets buffer"
    );
    let offsets = le_bytes(&[0i32, 2], i32::to_le_bytes);
    let arr = array(1, 0, 0, vec![None, Some(offsets), None], None, &r.0);
    let m = malformed(import(schema("u", None, &r.0), arr, NullPolicy::Error));
    assert!(m.contains("NULL data buffer"), "{m}");
    // Too few buffers, and a NULL buffers array.
    let arr = array(1, 0, 0, vec![None], None, &r.0);
    let m = malformed(import(schema("u", None, &r.0), arr, NullPolicy::Error));
    assert!(m.contains("expected at least 2 buffers"), "{m}");
    let mut arr = raw_utf8(&[0, 1], b"a", &r.0);
    arr.buffers = ptr::null_mut();
    malformed(import(schema("u", None, &r.0), arr, NullPolicy::Error));
    drop(r);
}

#[test]
fn length_and_offset_overflows() {
    let r = Releases::new();
    for (length, offset) in [
        (-1, 0),
        (1, -1),
        (i64::MAX, 0),
        (1, i64::MAX),
        (i64::MAX / 2, i64::MAX / 2),
    ] {
        let mut arr = raw_utf8(&[0, 1], b"a", &r.0);
        arr.length = length;
        arr.offset = offset;
        let m = malformed(import(schema("u", None, &r.0), arr, NullPolicy::Error));
        assert!(
            m.contains("negative") || m.contains("overflows"),
            "{length} {offset}: {m}"
        );
    }
    // (Offsets past the end of the data buffer cannot be detected: the C interface carries no
    // buffer sizes. Reading them is the producer's undefined behaviour, so no test builds one.)
    drop(r);
}

#[test]
fn nulls_without_a_bitmap() {
    let r = Releases::new();
    let mut arr = raw_utf8(&[0, 1], b"a", &r.0);
    arr.null_count = 1;
    let m = malformed(import(schema("u", None, &r.0), arr, NullPolicy::Empty));
    assert!(m.contains("without a validity buffer"), "{m}");
    drop(r);
}

#[test]
fn invalid_utf8() {
    let r = Releases::new();
    let bad: [Option<&[u8]>; 3] = [Some(b"ok"), Some(b"\xff\xfe"), Some(b"x")];
    let err = import(schema("u", None, &r.0), utf8(&bad, &r.0), NullPolicy::Error).unwrap_err();
    assert_eq!(err, ImportError::Utf8(1));
    // A boundary inside a multi-byte character: the whole buffer is valid, the rows are not.
    let e = "é".as_bytes();
    let err = import(
        schema("u", None, &r.0),
        raw_utf8(&[0, 1, 2], e, &r.0),
        NullPolicy::Error,
    )
    .unwrap_err();
    assert_eq!(err, ImportError::Utf8(0));
    // Junk under a null row is not read.
    let (offsets, data) = offsets_and_data(&[Some(b"ok"), Some(b"\xff")]);
    let offsets: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
    let buffers = vec![
        Some(bitmap(&[true, false])),
        Some(le_bytes(&offsets, i32::to_le_bytes)),
        Some(data),
    ];
    let arr = array(2, 0, 1, buffers, None, &r.0);
    let col = import(schema("u", None, &r.0), arr, NullPolicy::Empty).unwrap();
    assert_eq!(rows(&col), ["ok", ""]);
    // In a view, and in a dictionary value.
    let views = [view(b"\xc3", 0, 0)];
    let arr = views_array(&views, vec![], 0, &r.0);
    let err = import(schema("vu", None, &r.0), arr, NullPolicy::Error).unwrap_err();
    assert_eq!(err, ImportError::Utf8(0));
    let values = utf8(&[Some(b"\x80")], &r.0);
    let arr = dict_array(vec![0], None, values, &r.0);
    let m = malformed(import(
        schema("C", Some(schema("u", None, &r.0)), &r.0),
        arr,
        NullPolicy::Error,
    ));
    assert_eq!(m, "dictionary value 0 is not valid UTF-8");
    drop(r);
}

#[test]
fn views_out_of_bounds() {
    let r = Releases::new();
    let long = b"0123456789abcdef";
    for (v, size) in [
        (view(long, 0, 1), 16),  // one byte past the declared size
        (view(long, 1, 0), 16),  // no such buffer
        (view(long, -1, 0), 16), // negative buffer index
        (view(long, 0, -4), 16), // negative offset
        (view(long, 0, i32::MAX), 16),
        (view(long, 0, 0), -1), // negative declared size
    ] {
        let arr = views_array(&[v], long.to_vec(), size, &r.0);
        malformed(import(schema("vu", None, &r.0), arr, NullPolicy::Error));
    }
    let mut v = view(b"x", 0, 0);
    v[..4].copy_from_slice(&(-3i32).to_le_bytes());
    let arr = views_array(&[v], vec![], 0, &r.0);
    let m = malformed(import(schema("vu", None, &r.0), arr, NullPolicy::Error));
    assert!(m.contains("negative view length"), "{m}");
    let arr = array(1, 0, 0, vec![None, None, Some(vec![0; 8])], None, &r.0);
    let m = malformed(import(schema("vu", None, &r.0), arr, NullPolicy::Error));
    assert_eq!(m, "NULL views buffer");
    let arr = array(
        1,
        0,
        0,
        vec![None, Some(view(b"x", 0, 0).to_vec())],
        None,
        &r.0,
    );
    malformed(import(schema("vu", None, &r.0), arr, NullPolicy::Error));
    drop(r);
}

#[test]
fn dictionary_keys_out_of_range() {
    let r = Releases::new();
    for (format, keys) in [
        ("C", vec![2u8]),
        ("c", vec![0xff]),
        ("S", vec![9, 0]),
        ("l", (-1i64).to_le_bytes().to_vec()),
    ] {
        let values = utf8(&[Some(b"a"), Some(b"b")], &r.0);
        let arr = dict_array(keys, None, values, &r.0);
        let arr = ArrowArray { length: 1, ..arr };
        let m = malformed(import(
            schema(format, Some(schema("u", None, &r.0)), &r.0),
            arr,
            NullPolicy::Error,
        ));
        assert_eq!(m, "dictionary index out of range at row 0", "{format}");
    }
    // A dictionary-encoded schema whose array has no dictionary.
    let arr = array(1, 0, 0, vec![None, Some(vec![0])], None, &r.0);
    let m = malformed(import(
        schema("C", Some(schema("u", None, &r.0)), &r.0),
        arr,
        NullPolicy::Error,
    ));
    assert!(m.contains("without a dictionary"), "{m}");
    drop(r);
}

// ---------------------------------------------------------------------------------------------
// Streams.
// ---------------------------------------------------------------------------------------------

struct StreamPrivate {
    format: &'static str,
    arrays: VecDeque<ArrowArray>,
    fail_schema: bool,
    fail_after: Option<usize>,
    pulled: Arc<AtomicUsize>,
    releases: Arc<AtomicUsize>,
}

unsafe extern "C" fn stream_schema(s: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    // SAFETY: test producer: `s` is our live stream, `out` a struct the consumer gave us.
    unsafe {
        let p = &*(*s).private_data.cast::<StreamPrivate>();
        if p.fail_schema {
            return 5;
        }
        out.write(schema(p.format, None, &p.releases));
    }
    0
}

unsafe extern "C" fn stream_next(s: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    // SAFETY: test producer: `s` is our live stream, `out` a struct the consumer gave us.
    unsafe {
        let p = &mut *(*s).private_data.cast::<StreamPrivate>();
        let n = p.pulled.fetch_add(1, Ordering::SeqCst);
        if p.fail_after == Some(n) {
            return 22;
        }
        out.write(p.arrays.pop_front().unwrap_or_else(ArrowArray::empty));
    }
    0
}

unsafe extern "C" fn stream_error(_: *mut ArrowArrayStream) -> *const c_char {
    c"producer broke".as_ptr()
}

unsafe extern "C" fn stream_release(s: *mut ArrowArrayStream) {
    // SAFETY: test producer: `s` is our stream, released once; unread arrays go with it.
    unsafe {
        let p = Box::from_raw((*s).private_data.cast::<StreamPrivate>());
        for mut a in p.arrays {
            release_array(&mut a);
        }
        p.releases.fetch_add(1, Ordering::SeqCst);
        (*s).release = None;
    }
}

fn stream(private: StreamPrivate) -> OwnedStream {
    let mut s = ArrowArrayStream {
        get_schema: Some(stream_schema),
        get_next: Some(stream_next),
        get_last_error: Some(stream_error),
        release: Some(stream_release),
        private_data: Box::into_raw(Box::new(private)).cast(),
    };
    // SAFETY: a stream this producer just built, used nowhere else.
    unsafe { OwnedStream::take(&mut s) }.unwrap()
}

fn private(
    format: &'static str,
    arrays: Vec<ArrowArray>,
    r: &Releases,
    pulled: &Arc<AtomicUsize>,
) -> StreamPrivate {
    StreamPrivate {
        format,
        arrays: arrays.into(),
        fail_schema: false,
        fail_after: None,
        pulled: pulled.clone(),
        releases: r.0.clone(),
    }
}

#[test]
fn stream_of_chunks_numbers_rows_across_chunks() {
    let r = Releases::new();
    let pulled = Arc::new(AtomicUsize::new(0));
    let chunks = vec![
        utf8(&[Some(b"a"), Some(b"b")], &r.0),
        utf8(&[], &r.0),
        utf8(&[Some(b"c")], &r.0),
    ];
    let col =
        StringColumn::from_stream(stream(private("u", chunks, &r, &pulled)), NullPolicy::Error)
            .unwrap();
    assert_eq!(rows(&col), ["a", "b", "c"]);
    assert_eq!(col.get(2), "c");
    assert_eq!(r.count(), 1, "the stream is released, its arrays live on");
    drop(col);
    assert_eq!(r.count(), 5);

    let chunks = vec![
        utf8(&[Some(b"a"), Some(b"b")], &r.0),
        utf8(&[Some(b"c"), None], &r.0),
    ];
    let err =
        StringColumn::from_stream(stream(private("u", chunks, &r, &pulled)), NullPolicy::Error)
            .unwrap_err();
    assert_eq!(err, ImportError::Null(3));
    assert_eq!(r.count(), 9);
}

#[test]
fn hostile_streams() {
    let r = Releases::new();
    let pulled = Arc::new(AtomicUsize::new(0));
    // A table-like (non-string) stream is refused before any array is pulled.
    let chunks = vec![utf8(&[Some(b"a")], &r.0)];
    let err = StringColumn::from_stream(
        stream(private("+s", chunks, &r, &pulled)),
        NullPolicy::Error,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Type(_)), "{err:?}");
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
    // Failing callbacks report the producer's message.
    let p = StreamPrivate {
        fail_schema: true,
        ..private("u", vec![], &r, &pulled)
    };
    let err = StringColumn::from_stream(stream(p), NullPolicy::Error).unwrap_err();
    assert_eq!(err, ImportError::Stream("producer broke".into()));
    let chunks = vec![utf8(&[Some(b"a")], &r.0), utf8(&[Some(b"b")], &r.0)];
    let p = StreamPrivate {
        fail_after: Some(1),
        ..private("u", chunks, &r, &pulled)
    };
    pulled.store(0, Ordering::SeqCst);
    let err = StringColumn::from_stream(stream(p), NullPolicy::Error).unwrap_err();
    assert_eq!(err, ImportError::Stream("producer broke".into()));
    // Without a message, the error code.
    let p = StreamPrivate {
        fail_schema: true,
        ..private("u", vec![], &r, &pulled)
    };
    let mut raw = ArrowArrayStream {
        get_schema: Some(stream_schema),
        get_next: Some(stream_next),
        get_last_error: None,
        release: Some(stream_release),
        private_data: Box::into_raw(Box::new(p)).cast(),
    };
    // SAFETY: a stream this producer just built, used nowhere else.
    let s = unsafe { OwnedStream::take(&mut raw) }.unwrap();
    assert_eq!(
        StringColumn::from_stream(s, NullPolicy::Error).unwrap_err(),
        ImportError::Stream("error code 5".into())
    );
    // Missing callbacks.
    let mut bare = ArrowArrayStream {
        release: Some(stream_release),
        ..ArrowArrayStream::empty()
    };
    bare.private_data = Box::into_raw(Box::new(private("u", vec![], &r, &pulled))).cast();
    // SAFETY: a stream this producer just built, used nowhere else.
    let bare = unsafe { OwnedStream::take(&mut bare) }.unwrap();
    assert_eq!(
        StringColumn::from_stream(bare, NullPolicy::Error).unwrap_err(),
        ImportError::MalformedStream
    );
    drop(r);
}
