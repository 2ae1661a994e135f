//! Giving freed heap back to the system, on glibc.
//!
//! A watcher's first list reads a whole page of objects as one JSON text and parses it
//! (kube-client reads the body, copies it into a `String`, then deserializes); the text
//! and the page are freed a moment later, and what the view keeps is a few MB. glibc's
//! malloc keeps freed memory in its arenas for reuse and returns it to the system only
//! from the top of the main heap, so after the first lists of a 1,000-pod namespace the
//! wizard's resident memory stayed at its peak (VmHWM == VmRSS). `malloc_trim(0)` walks
//! every arena and returns the free pages inside them too (glibc ≥ 2.8, madvise).
//!
//! Measured at 1,000 pods and 5,000 events (release, 2026-12-07): RssAnon 15.9–17.0 MB
//! before, 11.9–12.3 MB with this; the heap profile's peak is 12.6 MB, most of it the
//! projections the view keeps, so little more is left to give back.
//!
//! This is the one place in the crate with `unsafe`: two calls into the C library that
//! take and return plain integers. Elsewhere (musl, macOS, other allocators) it is not
//! made: those allocators give memory back on their own terms.

use std::time::Duration;

/// How long after a burst the heap is trimmed: the watch delivers the listed objects
/// first, then the engine folds them into its view and hands a copy to the wizard,
/// which draws; their temporaries are freed by then. Trimming right at the end of the
/// lists was measured to leave about 3 MB that a trim 15 s later still gave back.
const SETTLE: Duration = Duration::from_secs(2);

/// [`give_back_freed`], [`SETTLE`] from now, on the current tokio runtime (at once when
/// there is none).
pub fn give_back_soon() {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async {
                tokio::time::sleep(SETTLE).await;
                give_back_freed();
            });
        }
        Err(_) => give_back_freed(),
    }
}

/// Has every thread allocate from glibc's main arena. By default glibc gives a thread
/// that finds the arenas busy one of its own (up to eight per core), and each arena keeps
/// its freed memory and fragments apart from the others. `sim serve` runs its API server,
/// controllers and watchers on tokio's worker threads, each freeing what the others
/// allocated. Call before any thread is started.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of the allocator's parameters; M_ARENA_MAX takes a
    // count.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Returns the heap's free pages to the system. It walks every arena's free lists under
/// their locks, so call it after a burst of allocation is over, not per change.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only reads and updates the allocator's own state, under its
    // locks; it takes a byte count and returns whether anything was released.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}
