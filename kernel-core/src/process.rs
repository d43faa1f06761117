//! A process (a thread group with one thread for now; `threads` leaves room for more):
//! relations, credentials, limits, signal state and run state, as Linux's task_struct and
//! signal_struct split them.

use crate::credentials::Credentials;
use crate::ids::{ContainerHandle, NsId, Pgid, Pid, Sid};
use crate::rlimits::Rlimits;
use crate::signals::{SigAction, SigSet, NSIG};

/// What `ps` shows as STAT (R/T/Z; sleeping is the platform's business, not the core's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running = 0,
    Stopped = 1,
    Zombie = 2,
}

/// A pending signal with its siginfo (struct sigqueue). Standard signals have at most one
/// entry; real-time signals one per send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuedSignal {
    pub sig: u32,
    /// si_code (SI_USER, SI_KERNEL, SI_TKILL, CLD_*).
    pub code: i32,
    /// The sender (root pid; 0 for the host or the kernel).
    pub sender: Pid,
    /// The sender's real uid (si_uid).
    pub uid: u32,
    /// si_status for SIGCHLD.
    pub status: i32,
}

/// Per-process signal state (sighand + pending + blocked).
#[derive(Clone, Debug)]
pub struct SignalState {
    /// sighand->action, index sig - 1.
    pub actions: [SigAction; NSIG as usize],
    pub blocked: SigSet,
    /// Union of the queued signals' numbers.
    pub pending: SigSet,
    pub queue: Vec<QueuedSignal>,
}

impl SignalState {
    pub fn new() -> SignalState {
        SignalState {
            actions: [SigAction::DEFAULT; NSIG as usize],
            blocked: SigSet::EMPTY,
            pending: SigSet::EMPTY,
            queue: Vec::new(),
        }
    }

    pub fn action(&self, sig: u32) -> &SigAction {
        &self.actions[(sig - 1) as usize]
    }

    /// Drops every queued instance of the signals in `set` (kernel/signal.c:flush_sigqueue_mask).
    pub fn flush(&mut self, set: SigSet) {
        if self.pending.intersect(set).is_empty() {
            return;
        }
        self.queue.retain(|q| !set.contains(q.sig));
        self.pending = self.pending.without(set);
    }
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState::new()
    }
}

/// One process. Owned by its `Kernel`; every field is changed only by kernel operations.
#[derive(Debug)]
pub struct Process {
    /// Root-namespace pid; immutable.
    pub pid: Pid,
    /// The parent (real_parent); None = the host (a container's first process).
    pub parent: Option<Pid>,
    /// Children in creation order (Linux's children list, which do_wait walks in order).
    pub children: Vec<Pid>,
    pub pgid: Pgid,
    pub sid: Sid,
    /// The namespace the pid was allocated in (task_active_pid_ns); immutable.
    pub ns: NsId,
    /// Immutable after spawn.
    pub container: ContainerHandle,
    pub creds: Credentials,
    pub rlimits: Rlimits,
    pub signals: SignalState,
    pub state: ProcState,
    /// Wait status once a zombie (Linux wait-status encoding).
    pub exit_status: i32,
    /// Stop signal not yet reported to a WUNTRACED waiter (signal->group_exit_code).
    pub stop_report: u32,
    /// Continue not yet reported to a WCONTINUED waiter (SIGNAL_STOP_CONTINUED).
    pub cont_report: bool,
    /// execve happened since fork (clears PF_FORKNOEXEC; setpgid by the parent then EACCES).
    pub did_exec: bool,
    /// PR_SET_CHILD_SUBREAPER.
    pub subreaper: bool,
    /// SIGNAL_UNKILLABLE: a namespace's init ignores default-action signals from inside it.
    pub unkillable: bool,
    /// TIOCNOTTY by a non-leader: the session's terminal is no longer this process's.
    pub tty_detached: bool,
    /// Thread count (always 1 today).
    pub threads: u32,
}

impl Process {
    pub fn is_zombie(&self) -> bool {
        self.state == ProcState::Zombie
    }
    pub fn is_session_leader(&self) -> bool {
        self.sid.0 == self.pid.0
    }
    pub fn is_group_leader(&self) -> bool {
        self.pgid.0 == self.pid.0
    }
}

/// Linux wait-status encoding (include/uapi/linux/wait.h, the W* macros of waitpid(2)).
pub mod status {
    /// exit(code): WIFEXITED, WEXITSTATUS = code & 0xff.
    pub fn exited(code: i32) -> i32 {
        (code & 0xff) << 8
    }
    /// killed by `sig`: WIFSIGNALED, WCOREDUMP is 0x80.
    pub fn signaled(sig: u32, core: bool) -> i32 {
        (sig as i32 & 0x7f) | if core { 0x80 } else { 0 }
    }
    /// WIFSTOPPED: (sig << 8) | 0x7f.
    pub fn stopped(sig: u32) -> i32 {
        ((sig as i32) << 8) | 0x7f
    }
    /// WIFCONTINUED.
    pub const CONTINUED: i32 = 0xffff;
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn wait_status_encoding_matches_linux_macros() {
        // include/uapi/linux/wait.h and the glibc W* macros.
        let cases: &[(&str, i32, i32)] = &[
            ("exit(0)", status::exited(0), 0),
            ("exit(1)", status::exited(1), 0x100),
            ("exit(256) keeps low byte", status::exited(256), 0),
            ("killed by SIGKILL", status::signaled(9, false), 9),
            ("SIGSEGV with core", status::signaled(11, true), 0x8b),
            ("stopped by SIGTSTP", status::stopped(20), 0x147f),
            ("continued", status::CONTINUED, 0xffff),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{}: got {:#x}, want {:#x}", name, got, want);
        }
    }
}
