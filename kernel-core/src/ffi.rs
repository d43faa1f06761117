//! The wasm exports. The host writes an operation into the I/O buffer (at `corral_io()`, of
//! `corral_io_words()` i32 words), calls `corral_dispatch(len)` and reads `len'` result words
//! back from the same buffer (see `wire`). One export for every operation keeps the boundary
//! small and the call cheap; the buffer never moves, so the host keeps one typed view on it
//! (refreshed only if memory grows, which detaches old views).

use std::cell::UnsafeCell;

use crate::runtime::Runtime;

/// 64 KiB: room for any single operation and for hundreds of events or ps rows per call.
pub const IO_WORDS: usize = 16384;

struct Shared {
    io: UnsafeCell<[i32; IO_WORDS]>,
    rt: UnsafeCell<Runtime>,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has exactly one thread, and the
// host calls the exports one at a time (the Loader actor serialises them). The host build never
// calls these exports from more than one thread (tests use their own `Runtime`).
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    io: UnsafeCell::new([0; IO_WORDS]),
    rt: UnsafeCell::new(Runtime::new()),
};

/// Address of the I/O buffer in linear memory.
#[no_mangle]
pub extern "C" fn corral_io() -> *mut i32 {
    SHARED.io.get() as *mut i32
}

/// Size of the I/O buffer in words.
#[no_mangle]
pub extern "C" fn corral_io_words() -> i32 {
    IO_WORDS as i32
}

/// Runs the operation of `len` words in the I/O buffer; returns the result length in words.
#[no_mangle]
pub extern "C" fn corral_dispatch(len: i32) -> i32 {
    // SAFETY: single-threaded and not re-entrant (see `Shared`): no other reference to these
    // cells exists while this call runs.
    let (io, rt) = unsafe { (&mut *SHARED.io.get(), &mut *SHARED.rt.get()) };
    let len = if len < 0 { usize::MAX } else { len as usize };
    rt.dispatch(&mut io[..], len) as i32
}
