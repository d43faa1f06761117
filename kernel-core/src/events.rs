//! What the kernel tells its driver. Every state change the platform must act on (halt a
//! guest, wake a parked waiter, run a handler) comes out as an event, queued per kernel and
//! drained by the `DRAIN_EVENTS` operation. On the wire each event is four i32 words
//! `[kind, a, b, c]`; all pids are root-namespace pids.

use crate::ids::{ContainerHandle, NsId, Pid};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The process became a zombie with this wait status (kernel/exit.c:exit_notify setting
    /// EXIT_ZOMBIE). Word layout: [1, pid, status, 0].
    ProcessExited { pid: Pid, status: i32 },
    /// The zombie was reaped and its pid released (kernel/exit.c:release_task). [2, pid, 0, 0].
    Reaped { pid: Pid },
    /// A child of `parent` changed state (exited, stopped, continued): wake its waiters and
    /// retry their wait (kernel/exit.c:__wake_up_parent). `parent` 0 = the host, which waits
    /// for processes that have no parent in the sandbox. [3, parent, 0, 0].
    ChildStateChanged { parent: Pid },
    /// The process has a deliverable signal: interrupt it if it is blocked and let it dequeue
    /// (kernel/signal.c:signal_wake_up). [4, pid, 0, 0].
    SignalPending { pid: Pid },
    /// Halt the guest: it was killed by `sig` (core: the core-dump bit of its status). The
    /// process is already a zombie in the core (kernel/signal.c:complete_signal's group exit).
    /// [5, pid, sig, core].
    Terminate { pid: Pid, sig: u32, core: bool },
    /// The process stopped (kernel/signal.c:do_signal_stop); do not schedule it. [6, pid, sig, 0].
    Stop { pid: Pid, sig: u32 },
    /// The process was continued by SIGCONT (kernel/signal.c:prepare_signal). [7, pid, 0, 0].
    Continue { pid: Pid },
    /// The orphan got a new parent (kernel/exit.c:forget_original_parent). [8, pid, parent, 0].
    Reparented { pid: Pid, new_parent: Pid },
    /// The namespace's init died and every other process in it was killed
    /// (kernel/pid_namespace.c:zap_pid_ns_processes). [9, ns, 0, 0].
    NamespaceKilled { ns: NsId },
    /// No live (non-zombie) process is left in the container. [10, container, 0, 0].
    ContainerEmpty { container: ContainerHandle },
}

impl Event {
    /// The wire form: `[kind, a, b, c]`.
    pub fn to_words(self) -> [i32; 4] {
        match self {
            Event::ProcessExited { pid, status } => [1, pid.0, status, 0],
            Event::Reaped { pid } => [2, pid.0, 0, 0],
            Event::ChildStateChanged { parent } => [3, parent.0, 0, 0],
            Event::SignalPending { pid } => [4, pid.0, 0, 0],
            Event::Terminate { pid, sig, core } => [5, pid.0, sig as i32, core as i32],
            Event::Stop { pid, sig } => [6, pid.0, sig as i32, 0],
            Event::Continue { pid } => [7, pid.0, 0, 0],
            Event::Reparented { pid, new_parent } => [8, pid.0, new_parent.0, 0],
            Event::NamespaceKilled { ns } => [9, ns.0 as i32, 0, 0],
            Event::ContainerEmpty { container } => [10, container.0 as i32, 0, 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_are_distinct_and_stable() {
        let evs = [
            (
                Event::ProcessExited {
                    pid: Pid(2),
                    status: 256,
                },
                [1, 2, 256, 0],
            ),
            (Event::Reaped { pid: Pid(2) }, [2, 2, 0, 0]),
            (Event::ChildStateChanged { parent: Pid(0) }, [3, 0, 0, 0]),
            (Event::SignalPending { pid: Pid(3) }, [4, 3, 0, 0]),
            (
                Event::Terminate {
                    pid: Pid(3),
                    sig: 11,
                    core: true,
                },
                [5, 3, 11, 1],
            ),
            (
                Event::Stop {
                    pid: Pid(3),
                    sig: 19,
                },
                [6, 3, 19, 0],
            ),
            (Event::Continue { pid: Pid(3) }, [7, 3, 0, 0]),
            (
                Event::Reparented {
                    pid: Pid(3),
                    new_parent: Pid(1),
                },
                [8, 3, 1, 0],
            ),
            (Event::NamespaceKilled { ns: NsId(2) }, [9, 2, 0, 0]),
            (
                Event::ContainerEmpty {
                    container: ContainerHandle(4),
                },
                [10, 4, 0, 0],
            ),
        ];
        for (e, want) in evs {
            assert_eq!(
                e.to_words(),
                want,
                "{:?}: got {:?}, want {:?}",
                e,
                e.to_words(),
                want
            );
        }
    }
}
