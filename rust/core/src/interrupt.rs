//! A process-wide stop request polled inside long loops (rougeLsum over many sentences, long
//! LCS scans), so Ctrl-C stops one long pair, not just the gaps between chunks of pairs.
//!
//! The binding sets it when the interpreter reports a pending signal and clears it once its call
//! has returned. A concurrent call that sees a request it did not make reruns its work.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{MetricError, Result};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every running computation to stop at its next poll.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Withdraws the request.
pub fn clear() {
    REQUESTED.store(false, Ordering::Relaxed);
}

/// Whether a stop was requested.
#[inline]
pub fn is_requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` when a stop was requested (a relaxed load: cheap enough per sentence).
#[inline]
pub fn check() -> Result<()> {
    if is_requested() {
        Err(MetricError::interrupted())
    } else {
        Ok(())
    }
}
