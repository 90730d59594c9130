//! Which threads give way when the CPU is short.
//!
//! In the reviewer the terminal's loop runs on the main thread, and everything else (the
//! runtime's workers with the requests, the outbox and the in-process server; the
//! journal's and the database's threads) runs on threads of its own. While a bulk action
//! sends thousands of ratings those keep both cores of a small machine busy, and a key
//! waited for a core behind them. The reviewer therefore asks, before it starts any of
//! them, that each such thread lower its own priority as it starts ([`background`]):
//! they still get every cycle the terminal does not want. Other commands (`serve`,
//! `import`) leave every thread as it is.
//!
//! Linux keeps a nice value per thread; elsewhere this does nothing.

use std::sync::atomic::{AtomicI32, Ordering};

/// How much lower than the terminal's thread the background threads run (nice 0 → 10:
/// about a tenth of the CPU weight of the terminal's thread when both want it).
pub const BACKGROUND_NICE: i32 = 10;

/// The nice value background threads take; [`NOT_SET`] until the reviewer asks.
static TARGET: AtomicI32 = AtomicI32::new(NOT_SET);
const NOT_SET: i32 = i32::MIN;

/// From now on, every thread that calls [`background`] runs [`BACKGROUND_NICE`] lower
/// than the calling thread, which keeps its own priority. Called by the reviewer before
/// its runtime and its threads start.
pub fn favour_this_thread() {
    if let Ok(own) = nice() {
        TARGET.store(
            own.saturating_add(BACKGROUND_NICE).min(19),
            Ordering::Relaxed,
        );
    }
}

/// Called first by every thread that works in the background: lowers its priority when
/// [`favour_this_thread`] was called. A thread started by one already lowered keeps the
/// same value (not lower still). A refusal is logged and otherwise ignored.
pub fn background() {
    let target = TARGET.load(Ordering::Relaxed);
    if target != NOT_SET
        && let Err(e) = lower_this_thread(target)
    {
        tracing::debug!("cannot lower a background thread's priority: {e}");
    }
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
fn nice() -> std::io::Result<i32> {
    // `None`: the calling thread, on Linux, not the whole process.
    Ok(rustix::process::getpriority_process(None)?)
}

#[cfg(not(target_os = "linux"))]
fn nice() -> std::io::Result<i32> {
    Ok(0)
}

/// Gives the calling thread the nice value `target` unless it already runs at that or
/// lower. Returns the value it then has.
#[cfg(target_os = "linux")]
pub fn lower_this_thread(target: i32) -> std::io::Result<i32> {
    if nice()? < target {
        rustix::process::setpriority_process(None, target)?;
    }
    nice()
}

#[cfg(not(target_os = "linux"))]
pub fn lower_this_thread(_target: i32) -> std::io::Result<i32> {
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_background_thread_is_lowered_and_the_one_that_started_it_is_not() {
        let before = nice().unwrap();
        let target = (before + BACKGROUND_NICE).min(19);
        let (lowered, again) = std::thread::spawn(move || {
            let lowered = lower_this_thread(target).unwrap();
            // A second call (a thread started by a lowered one) leaves it there.
            (lowered, lower_this_thread(target).unwrap())
        })
        .join()
        .unwrap();
        assert_eq!((lowered, again), (target, target));
        assert_eq!(nice().unwrap(), before, "the calling thread keeps its own");
    }
}
