//! Panics inside the library are caught, reported as a status, and kept
//! quiet: the host process (pwsh.exe, an admin console, a C program) never
//! sees one printed, and no backtrace is captured for it.
//!
//! Why a hook and not only `catch_unwind`: the standard library's default
//! hook runs before unwinding starts, prints the message to stderr and, with
//! `RUST_BACKTRACE` set, captures a backtrace. In a host that is noise at
//! best; under wine, with Rust 1.63's standard library on
//! x86_64-pc-windows-gnu, capturing it crashed the process, so a panic that
//! the boundary would have caught killed the host instead.
//!
//! The hook is installed once, the first time a guarded call runs. It is
//! quiet on a thread while that thread is inside [`catch`] and on the
//! library's own runtime threads ([`quiet_thread`]); everywhere else it
//! hands the panic to the hook that was there before, so a program that
//! links the crate as an `rlib` (its own tests, for one) keeps its usual
//! panic output.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many quiet scopes this thread is in (guarded calls nest).
    static QUIET: Cell<u32> = const { Cell::new(0) };
    /// Where the last quiet panic on this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn is_quiet() -> bool {
    QUIET.try_with(|q| q.get() > 0).unwrap_or(true)
}

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if is_quiet() {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                let _ = LOCATION.try_with(|slot| *slot.borrow_mut() = at);
            } else {
                previous(info)
            }
        }));
    });
}

/// Marks the calling thread as the library's own for its whole life: a
/// panic on it (a task of the client's runtime, say, which the runtime
/// catches and reports as a failed task) is never printed.
pub(crate) fn quiet_thread() {
    install_hook();
    let _ = QUIET.try_with(|q| q.set(q.get().saturating_add(1)));
}

/// The text of a panic's payload.
pub(crate) fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs `f`, quietly: a panic becomes `Err` with its message and, when the
/// hook saw it, where it happened ("boom (at src/x.rs:12)").
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    struct Scope;
    impl Drop for Scope {
        fn drop(&mut self) {
            let _ = QUIET.try_with(|q| q.set(q.get().saturating_sub(1)));
        }
    }
    let _ = QUIET.try_with(|q| q.set(q.get().saturating_add(1)));
    let _ = LOCATION.try_with(|slot| slot.borrow_mut().take());
    let scope = Scope;
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    drop(scope);
    result.map_err(|payload| {
        let text = payload_text(&*payload);
        match LOCATION.try_with(|slot| slot.borrow_mut().take()).ok().flatten() {
            Some(at) => format!("{} (at {})", text, at),
            None => text,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_with_its_message_and_place() {
        let err = catch::<u8>(|| panic!("boom {}", 7)).unwrap_err();
        assert!(err.starts_with("boom 7 (at "), "{}", err);
        assert!(err.contains("panics.rs:"), "{}", err);
        assert_eq!(catch(|| 5).unwrap(), 5);
    }

    #[test]
    fn nested_catches_each_report_their_own_panic() {
        let outer = catch(|| {
            let inner = catch::<()>(|| panic!("inner")).unwrap_err();
            assert!(inner.starts_with("inner"), "{}", inner);
            panic!("outer")
        })
        .unwrap_err();
        assert!(outer.starts_with("outer"), "{}", outer);
        // Back outside every scope: the thread is loud again.
        assert!(!is_quiet());
    }

    #[test]
    fn a_panic_on_a_quiet_thread_is_caught_by_whoever_joins_it() {
        let joined = std::thread::spawn(|| {
            quiet_thread();
            panic!("on a runtime thread")
        })
        .join()
        .unwrap_err();
        assert_eq!(payload_text(&*joined), "on a runtime thread");
    }
}
