//! Newtypes for every id the kernel hands out, so that a pid can never be passed where a
//! process-group id, a namespace or a container is meant.
//!
//! Numbering convention: `Pid`, `Pgid` and `Sid` are numbers in the sandbox's *root* PID
//! namespace. Every process has a number there (as in Linux, where a `struct pid` has one
//! `upid` per level and level 0 is the init namespace), so the root number is a unique key
//! for the whole kernel. Numbers seen by a guest in a nested namespace are plain `i32`s
//! translated at the edge (`Kernel::translate`, `Kernel::lookup`).

macro_rules! newtype {
    ($(#[$meta:meta])* $name:ident($inner:ty)) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);
    };
}

newtype!(
    /// A process (thread-group) id in the root PID namespace (Linux `task_tgid_nr`).
    Pid(i32)
);
newtype!(
    /// A process-group id: the root-namespace number of the group's (possibly gone) leader.
    Pgid(i32)
);
newtype!(
    /// A session id: the root-namespace number of the session leader's pid.
    Sid(i32)
);
newtype!(
    /// A PID namespace of one kernel (Linux `struct pid_namespace`). 1 is the root namespace.
    NsId(u32)
);
newtype!(
    /// A container registered with a kernel; 0 is never a valid handle.
    ContainerHandle(u32)
);
newtype!(
    /// A kernel (one per sandbox) hosted by a `Runtime` (one per wasm instance).
    KernelId(u32)
);
newtype!(
    /// A terminal, named by the host (the Loader allocates the number; the core only links it
    /// to a session, like Linux's `tty_struct.ctrl.session`).
    TtyHandle(u32)
);
newtype!(
    /// A user id (kuid_t; user namespaces are not modelled).
    Uid(u32)
);
newtype!(
    /// A group id (kgid_t).
    Gid(u32)
);

impl Pid {
    /// The process-group id a process gets when it leads its own group (setpgid(0, 0)).
    pub fn as_pgid(self) -> Pgid {
        Pgid(self.0)
    }
    /// The session id a process gets when it calls setsid().
    pub fn as_sid(self) -> Sid {
        Sid(self.0)
    }
}

impl Pgid {
    /// The pid record that names this group (a group outlives its leader, the number stays).
    pub fn as_pid(self) -> Pid {
        Pid(self.0)
    }
}

impl Sid {
    /// The pid record that names this session.
    pub fn as_pid(self) -> Pid {
        Pid(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgid_and_sid_name_the_leader_pid_record() {
        // Linux: a group/session is named by its leader's struct pid (kernel/sys.c:ksys_setsid).
        let p = Pid(42);
        assert_eq!(
            p.as_pgid().as_pid(),
            p,
            "got {:?}, want {:?}",
            p.as_pgid().as_pid(),
            p
        );
        assert_eq!(
            p.as_sid().as_pid(),
            p,
            "got {:?}, want {:?}",
            p.as_sid().as_pid(),
            p
        );
    }
}
