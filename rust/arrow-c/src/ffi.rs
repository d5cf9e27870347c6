//! The C structs, exactly as the spec lays them out, and owners that release them once.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

/// `struct ArrowSchema` of the C Data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowSchema {
    pub format: *const c_char,
    pub name: *const c_char,
    pub metadata: *const c_char,
    pub flags: i64,
    pub n_children: i64,
    pub children: *mut *mut ArrowSchema,
    pub dictionary: *mut ArrowSchema,
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    pub private_data: *mut c_void,
}

/// `struct ArrowArray` of the C Data interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArray {
    pub length: i64,
    pub null_count: i64,
    pub offset: i64,
    pub n_buffers: i64,
    pub n_children: i64,
    pub buffers: *mut *const c_void,
    pub children: *mut *mut ArrowArray,
    pub dictionary: *mut ArrowArray,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    pub private_data: *mut c_void,
}

/// `struct ArrowArrayStream` of the C Stream interface.
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArrayStream {
    pub get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    pub get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    pub get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    pub private_data: *mut c_void,
}

impl ArrowSchema {
    /// A released (empty) schema, for a producer to fill.
    pub fn empty() -> Self {
        ArrowSchema {
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
    }
}

impl ArrowArray {
    /// A released (empty) array, for a producer to fill.
    pub fn empty() -> Self {
        ArrowArray {
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
    }
}

impl ArrowArrayStream {
    /// A released (empty) stream, for a producer to fill.
    pub fn empty() -> Self {
        ArrowArrayStream {
            get_schema: None,
            get_next: None,
            get_last_error: None,
            release: None,
            private_data: ptr::null_mut(),
        }
    }
}

macro_rules! owned_struct {
    ($owner:ident, $ffi:ident) => {
        #[doc = concat!("Owns one imported `", stringify!($ffi), "`; `Drop` calls its release callback once.")]
        #[derive(Debug)]
        pub struct $owner(Box<$ffi>);

        impl $owner {
            /// Moves the base struct out of `*src` (a bitwise copy, then `src`'s release is set to
            /// NULL, as the spec and the PyCapsule protocol prescribe), so only this owner releases
            /// it. `None` if `*src` was already released (moved out or consumed before).
            ///
            /// # Safety
            /// `src` must be valid for reads and writes and point to an initialized struct that
            /// follows the Arrow C interface (live buffers, callbacks and NUL-terminated strings as
            /// the spec describes them), which nobody else accesses during this call.
            pub unsafe fn take(src: *mut $ffi) -> Option<Self> {
                // SAFETY: the caller guarantees `src` is valid for reads and writes and not aliased.
                let taken = unsafe {
                    let taken = ptr::read(src);
                    (*src).release = None;
                    taken
                };
                taken.release.is_some().then(|| $owner(Box::new(taken)))
            }

            /// The struct, for a producer's callbacks to fill or for reading.
            pub(crate) fn as_mut_ptr(&mut self) -> *mut $ffi {
                &mut *self.0
            }
        }

        impl std::ops::Deref for $owner {
            type Target = $ffi;
            fn deref(&self) -> &$ffi {
                &self.0
            }
        }

        impl Drop for $owner {
            fn drop(&mut self) {
                if let Some(release) = self.0.release {
                    // SAFETY: the struct came from a conforming producer (the contract of `take` or
                    // of the stream that filled it) and is not released yet; the spec lets the
                    // consumer move a base struct and release it in place.
                    unsafe { release(&mut *self.0) };
                    // A conforming release sets it to NULL itself; make sure we never call it twice.
                    self.0.release = None;
                }
            }
        }
    };
}

owned_struct!(OwnedSchema, ArrowSchema);
owned_struct!(OwnedArray, ArrowArray);
owned_struct!(OwnedStream, ArrowArrayStream);

impl OwnedSchema {
    /// A released schema for `get_schema` to fill.
    pub(crate) fn unfilled() -> Self {
        OwnedSchema(Box::new(ArrowSchema::empty()))
    }
}

impl OwnedArray {
    /// A released array for `get_next` to fill.
    pub(crate) fn unfilled() -> Self {
        OwnedArray(Box::new(ArrowArray::empty()))
    }

    /// `true` once released (after `get_next`: the end of the stream).
    pub(crate) fn is_released(&self) -> bool {
        self.0.release.is_none()
    }
}

impl OwnedStream {
    /// The message a stream gives for a failed call, if any, else the error code.
    pub(crate) fn last_error(&mut self, rc: c_int) -> String {
        let get_last_error = self.0.get_last_error;
        let stream = self.as_mut_ptr();
        let msg = get_last_error.and_then(|f| {
            // SAFETY: the stream is live (owned, unreleased); the spec allows this call after any
            // failed call, and the message stays valid until the next call on the stream.
            let p = unsafe { f(stream) };
            (!p.is_null()).then(|| {
                // SAFETY: a non-null error message is a NUL-terminated string owned by the stream.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            })
        });
        msg.unwrap_or_else(|| format!("error code {rc}"))
    }
}
