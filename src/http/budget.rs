//! The in-flight memory budget: bytes of request bodies held in memory across every request in
//! the process ([`MEMORY_BUDGET_BYTES`]), taken as [`Reservation`]s by the multipart reader (a
//! part's first [`PART_MEMORY_BYTES`]) and the JSON reader (a whole body), and given back when
//! they drop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Bytes of parts held in memory while they stream in, across every request in flight; a part
/// that would pass it goes on to an anonymous temporary file, so that parts refused for crossing
/// their limit never grow memory by their size, however many arrive at once (DESIGN habit 2),
/// while parts that fit — the common case — are never written out and read back.
pub const MEMORY_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// Bytes of one part held in memory before it goes on to a temporary file, within
/// [`MEMORY_BUDGET_BYTES`]: a single refused part then grows memory by at most this much,
/// whatever its size, while parts up to it (the common case) never touch the disk.
pub const PART_MEMORY_BYTES: usize = 4 * 1024 * 1024;

/// Bytes currently reserved from [`MEMORY_BUDGET_BYTES`].
static IN_MEMORY: AtomicUsize = AtomicUsize::new(0);

/// Woken whenever a [`Reservation`] gives bytes back, for JSON bodies waiting for the budget.
static RELEASED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A share of [`MEMORY_BUDGET_BYTES`], given back when dropped.
#[derive(Debug, Default)]
pub struct Reservation(usize);

impl Reservation {
    /// Bytes this reservation holds.
    pub fn held(&self) -> usize {
        self.0
    }

    /// Takes `n` bytes from the budget as one reservation, or `None` when they do not fit now.
    pub fn try_new(n: usize) -> Option<Reservation> {
        let mut r = Reservation(0);
        r.grow(n).then_some(r)
    }

    /// Takes `n` more bytes from the budget, waiting up to `wait` for other requests to give
    /// bytes back; `false` when they still do not fit.
    pub(crate) async fn grow_within(&mut self, n: usize, wait: Duration) -> bool {
        // Room now: no waiting, so no clock and no wait list.
        if self.grow(n) {
            return true;
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let released = RELEASED.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if self.grow(n) {
                return true;
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return false;
            }
        }
    }

    /// Takes `n` more bytes from the budget, or returns `false` when they do not fit.
    pub(crate) fn grow(&mut self, n: usize) -> bool {
        let taken = IN_MEMORY.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            held.checked_add(n).filter(|t| *t <= MEMORY_BUDGET_BYTES)
        });
        if taken.is_ok() {
            self.0 += n;
        }
        taken.is_ok()
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.0 > 0 {
            IN_MEMORY.fetch_sub(self.0, Ordering::AcqRel);
            RELEASED.notify_waiters();
        }
    }
}

/// Bytes currently reserved from [`MEMORY_BUDGET_BYTES`] across all requests in flight.
pub fn in_memory_bytes() -> usize {
    IN_MEMORY.load(Ordering::Acquire)
}
