//! The recovery policy: a panic anywhere ends the process, and the service manager starts it
//! again, which rebuilds everything from the store.
//!
//! Why not restart the actor in place: a panic is a bug, caught in the middle of a handler
//! whose state may be half changed. actix's `Supervisor` restarts an actor only when it
//! *stops*; a panicking handler instead drops the actor's task on its arbiter, leaving an
//! address whose messages fail: a silently dead website, queue or agent. Restarting the one
//! actor with its old state would keep whatever the bug broke. The store, on the other hand,
//! is consistent at every moment (every state change is one transaction), and a start
//! rebuilds every website, queue, open chat, unattended timer and auto-close timer from it
//! (architecture.md §4.7). So the engine exits with [`PANIC_EXIT_CODE`] and is restarted.

/// The exit status after a panic (EX_SOFTWARE, "internal software error").
pub const PANIC_EXIT_CODE: i32 = 70;

/// Installs the panic hook of a serving engine: the panic is logged (with the default
/// hook's message and location on standard error), then the process exits.
pub fn exit_on_panic() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        tracing::error!(
            thread = thread.name().unwrap_or("unnamed"),
            panic = %info,
            "a panic is a bug: exiting, to be restarted from the store"
        );
        report(info);
        std::process::exit(PANIC_EXIT_CODE);
    }));
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use actix::prelude::*;

    use super::*;

    /// Set in the child process this test starts.
    const CHILD: &str = "PARLEY_RECOVERY_TEST_CHILD";

    struct Faulty;

    impl Actor for Faulty {
        type Context = Context<Self>;
    }

    #[derive(Message)]
    #[rtype(result = "()")]
    struct Fail;

    impl Handler<Fail> for Faulty {
        type Result = ();

        fn handle(&mut self, _msg: Fail, _ctx: &mut Context<Self>) {
            panic!("a bug in a handler");
        }
    }

    /// The test runs itself again as a child process that installs the hook and lets an
    /// actor on another arbiter panic; the child must exit with the panic status, not live on
    /// with a dead actor.
    #[test]
    fn a_panicking_actor_ends_the_process() {
        if std::env::var_os(CHILD).is_some() {
            exit_on_panic();
            System::new().block_on(async {
                let arbiter = Arbiter::new();
                let faulty = Faulty::start_in_arbiter(&arbiter.handle(), |_| Faulty);
                let _ = faulty.send(Fail).await;
            });
            // Reached only if the panic did not end the process.
            std::process::exit(0);
        }
        let output = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "recovery::tests::a_panicking_actor_ends_the_process",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .expect("child runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(PANIC_EXIT_CODE), "{stderr}");
        assert!(stderr.contains("a bug in a handler"), "{stderr}");
    }
}
