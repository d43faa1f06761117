//! Creating processes: a container's first process (no parent in the sandbox), and children
//! (fork/posix_spawn: kernel/fork.c:copy_process), plus execve's reset of signal handlers
//! (fs/exec.c → kernel/signal.c:flush_signal_handlers).

use crate::credentials::Credentials;
use crate::errno::Errno;
use crate::ids::{ContainerHandle, Gid, NsId, Pgid, Pid, Uid};
use crate::kernel::Kernel;
use crate::pid_namespace::USE_TASK;
use crate::process::{ProcState, Process, SignalState};
use crate::rlimits::{Rlimits, RLIMIT_NPROC};
use crate::signals::{Handler, SigAction};

/// SPAWN flags. posix_spawn's POSIX_SPAWN_SETPGROUP with pgroup 0.
pub const SPAWN_NEW_PGRP: u32 = 1;
/// POSIX_SPAWN_SETPGROUP with a pgroup: join that group (setpgid(child, pgid) rules).
pub const SPAWN_JOIN_PGRP: u32 = 2;
/// POSIX_SPAWN_SETSID.
pub const SPAWN_NEW_SESSION: u32 = 4;
/// clone(CLONE_NEWPID): the child is pid 1 of a new namespace nested in the parent's.
pub const SPAWN_NEW_NS: u32 = 8;
/// fork() without exec: handlers are kept and the child has not exec'd (setpgid allowed).
pub const SPAWN_FORK: u32 = 16;
pub const SPAWN_KNOWN: u32 =
    SPAWN_NEW_PGRP | SPAWN_JOIN_PGRP | SPAWN_NEW_SESSION | SPAWN_NEW_NS | SPAWN_FORK;

/// SPAWN_INIT flags: make a new namespace (child of the given one) instead of joining it.
pub const INIT_NEW_NS: u32 = 1;

/// flush_signal_handlers(force_default = 0): caught signals go back to SIG_DFL, ignored ones
/// stay ignored, flags and masks are cleared.
fn exec_reset(s: &mut SignalState) {
    for a in s.actions.iter_mut() {
        let h = if a.handler == Handler::Ignore {
            Handler::Ignore
        } else {
            Handler::Default
        };
        *a = SigAction {
            handler: h,
            ..SigAction::DEFAULT
        };
    }
}

impl Kernel {
    fn insert_process(&mut self, p: Process) {
        let (pid, pgid, sid) = (p.pid, p.pgid, p.sid);
        self.procs.insert(pid, Box::new(p));
        self.pid_use(pid, USE_TASK);
        self.join_session(pid, sid);
        self.join_pgrp(pid, pgid, sid);
    }

    /// A container's first process (runsc's CreateProcess for a container): parent is the
    /// host, a new session and group of its own, into namespace `ns` (or a new child of it
    /// with INIT_NEW_NS). If the namespace is empty it becomes its init (pid 1). Returns the
    /// root pid, its number in its own namespace and that namespace.
    pub fn spawn_init(
        &mut self,
        c: ContainerHandle,
        ns: NsId,
        flags: u32,
        uid: u32,
        gid: u32,
    ) -> Result<(Pid, i32, NsId), Errno> {
        if flags & !INIT_NEW_NS != 0
            || !self.namespaces.contains_key(&ns)
            || !self.containers.contains_key(&c)
        {
            return Err(Errno::EINVAL);
        }
        let creds = Credentials::new(Uid(uid), Gid(gid));
        let rlimits = Rlimits::init(self.opts.pid_max as u64);
        let target = if flags & INIT_NEW_NS != 0 {
            self.new_namespace(ns, false)?
        } else {
            ns
        };
        if let Err(e) = self.charge(c, &creds, rlimits.0[RLIMIT_NPROC as usize].cur) {
            self.maybe_free_ns(target);
            return Err(e);
        }
        let pid = match self.alloc_pid(target) {
            Ok(p) => p,
            Err(e) => {
                self.uncharge(c, uid, true);
                self.maybe_free_ns(target);
                return Err(e);
            }
        };
        let nr = self.translate(pid, target);
        self.insert_process(Process {
            pid,
            parent: None,
            children: Vec::new(),
            pgid: pid.as_pgid(),
            sid: pid.as_sid(),
            ns: target,
            container: c,
            creds,
            rlimits,
            signals: SignalState::new(),
            state: ProcState::Running,
            exit_status: 0,
            stop_report: 0,
            cont_report: false,
            did_exec: true,
            subreaper: false,
            unkillable: nr == 1,
            tty_detached: false,
            threads: 1,
        });
        Ok((pid, nr, target))
    }

    /// A child of `parent` (copy_process): it inherits credentials, rlimits, the signal mask,
    /// dispositions (reset as execve does unless SPAWN_FORK), group, session and terminal;
    /// pending signals are not inherited. Group/session options are applied with setpgid and
    /// setsid rules, checked before anything is created. Returns the root pid and the pid as
    /// the parent sees it.
    pub fn spawn(&mut self, parent: Pid, flags: u32, pgid_nr: i32) -> Result<(Pid, i32), Errno> {
        if flags & !SPAWN_KNOWN != 0 {
            return Err(Errno::EINVAL);
        }
        let p = self.proc(parent)?;
        if p.is_zombie() {
            return Err(Errno::ESRCH);
        }
        if flags & SPAWN_NEW_SESSION != 0 && flags & (SPAWN_NEW_PGRP | SPAWN_JOIN_PGRP) != 0 {
            // posix_spawn applies setsid then setpgid; the latter fails for a session leader.
            return Err(Errno::EPERM);
        }
        let mut join: Option<Pgid> = None;
        if flags & SPAWN_JOIN_PGRP != 0 && pgid_nr != 0 {
            if pgid_nr < 0 {
                return Err(Errno::EINVAL);
            }
            let rec = self.lookup(p.ns, pgid_nr).ok_or(Errno::EPERM)?;
            match self.pgrps.get(&Pgid(rec.0)) {
                Some(g) if g.sid == p.sid => join = Some(Pgid(rec.0)),
                _ => return Err(Errno::EPERM),
            }
        }
        let c = p.container;
        let creds = p.creds.clone();
        let rlimits = p.rlimits.clone();
        let mut signals = SignalState {
            actions: p.signals.actions,
            blocked: p.signals.blocked,
            pending: crate::signals::SigSet::EMPTY,
            queue: Vec::new(),
        };
        if flags & SPAWN_FORK == 0 {
            exec_reset(&mut signals);
        }
        let (pgid, sid, pns, tty_detached) = (p.pgid, p.sid, p.ns, p.tty_detached);
        let ns = if flags & SPAWN_NEW_NS != 0 {
            self.new_namespace(pns, false)?
        } else {
            pns
        };
        if let Err(e) = self.charge(c, &creds, rlimits.0[RLIMIT_NPROC as usize].cur) {
            self.maybe_free_ns(ns);
            return Err(e);
        }
        let pid = match self.alloc_pid(ns) {
            Ok(x) => x,
            Err(e) => {
                self.uncharge(c, creds.ruid.0, true);
                self.maybe_free_ns(ns);
                return Err(e);
            }
        };
        let unkillable = self.translate(pid, ns) == 1;
        self.insert_process(Process {
            pid,
            parent: Some(parent),
            children: Vec::new(),
            pgid,
            sid,
            ns,
            container: c,
            creds,
            rlimits,
            signals,
            state: ProcState::Running,
            exit_status: 0,
            stop_report: 0,
            cont_report: false,
            did_exec: flags & SPAWN_FORK == 0,
            subreaper: false,
            unkillable,
            tty_detached,
            threads: 1,
        });
        if let Ok(pp) = self.proc_mut(parent) {
            pp.children.push(pid);
        }
        if flags & SPAWN_NEW_SESSION != 0 {
            self.move_to_new_session(pid);
        } else if flags & (SPAWN_NEW_PGRP | SPAWN_JOIN_PGRP) != 0 {
            let target = join.unwrap_or_else(|| pid.as_pgid());
            self.leave_pgrp(pid);
            self.join_pgrp(pid, target, sid);
        }
        Ok((pid, self.translate(pid, pns)))
    }

    /// execve: handlers reset (flush_signal_handlers), mask and pending kept, and the process
    /// is marked as having exec'd (so its parent's setpgid now gets EACCES).
    pub fn exec(&mut self, pid: Pid) -> Result<(), Errno> {
        let p = self.proc_mut(pid)?;
        if p.is_zombie() {
            return Err(Errno::ESRCH);
        }
        exec_reset(&mut p.signals);
        p.did_exec = true;
        Ok(())
    }

    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to the nearest living
    /// subreaper ancestor instead of the namespace's init.
    pub fn set_subreaper(&mut self, pid: Pid, on: bool) -> Result<(), Errno> {
        self.proc_mut(pid)?.subreaper = on;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::{SigSet, SIGINT, SIGTERM, SIGUSR1};
    use crate::testutil::*;

    #[test]
    fn first_process_is_pid_1_and_unkillable() {
        let mut f = Fixture::new();
        let init = f.init();
        let p = f.k.proc(init).unwrap();
        assert_eq!(f.k.getpid(init), Ok(1));
        assert_eq!(f.k.getppid(init), Ok(0), "parent is the host: getppid 0");
        assert!(p.unkillable, "pid 1 of a namespace has SIGNAL_UNKILLABLE");
        assert!(p.is_session_leader() && p.is_group_leader());
    }

    #[test]
    fn spawn_inherits_table() {
        // fork(2)/posix_spawn(3): what the child inherits.
        let mut f = Fixture::new();
        let init = f.init();
        f.k.sigprocmask(init, 0, Some(SigSet::of(SIGUSR1))).unwrap();
        f.catch(init, SIGINT);
        f.set_handler(init, SIGTERM, Handler::Ignore);
        f.k.kill(None, 1, SIGUSR1).unwrap();
        let (forked, _) = f.k.spawn(init, SPAWN_FORK, 0).unwrap();
        let (spawned, _) = f.k.spawn(init, 0, 0).unwrap();
        let fp = f.k.proc(forked).unwrap();
        let sp = f.k.proc(spawned).unwrap();
        let cases: &[(&str, bool)] = &[
            (
                "fork keeps handler",
                fp.signals.action(SIGINT).handler == Handler::Catch(1),
            ),
            (
                "exec resets handler to default",
                sp.signals.action(SIGINT).handler == Handler::Default,
            ),
            (
                "exec keeps SIG_IGN",
                sp.signals.action(SIGTERM).handler == Handler::Ignore,
            ),
            (
                "mask inherited by fork",
                fp.signals.blocked.contains(SIGUSR1),
            ),
            (
                "mask inherited by spawn",
                sp.signals.blocked.contains(SIGUSR1),
            ),
            ("pending not inherited", fp.signals.pending.is_empty()),
            ("same group", fp.pgid == init.as_pgid()),
            ("same session", sp.sid == init.as_sid()),
            ("fork has not exec'd", !fp.did_exec),
            ("spawn has exec'd", sp.did_exec),
            ("child is not unkillable", !sp.unkillable),
        ];
        for (name, ok) in cases {
            assert!(ok, "{}: got false, want true", name);
        }
    }

    #[test]
    fn spawn_group_and_session_options_table() {
        type Case = (&'static str, u32, i32, Result<(i32, i32), Errno>);
        let cases: &[Case] = &[
            ("default: parent's group", 0, 0, Ok((1, 1))),
            ("new group", SPAWN_NEW_PGRP, 0, Ok((3, 1))),
            ("join pgid 0 = new group", SPAWN_JOIN_PGRP, 0, Ok((3, 1))),
            ("join existing group", SPAWN_JOIN_PGRP, 2, Ok((2, 1))),
            ("join missing group", SPAWN_JOIN_PGRP, 40, Err(Errno::EPERM)),
            ("new session", SPAWN_NEW_SESSION, 0, Ok((3, 3))),
            (
                "session + group",
                SPAWN_NEW_SESSION | SPAWN_NEW_PGRP,
                0,
                Err(Errno::EPERM),
            ),
            ("unknown flag", 1 << 20, 0, Err(Errno::EINVAL)),
        ];
        for (name, flags, pg, want) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let _g = f.spawn_flags(init, SPAWN_NEW_PGRP, 0); // group 2
            let got =
                f.k.spawn(init, *flags, *pg)
                    .map(|(c, _)| (f.k.getpgid(c, 0).unwrap(), f.k.getsid(c, 0).unwrap()));
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn spawn_new_namespace_child_is_its_init() {
        // clone(CLONE_NEWPID): pid 1 inside, a normal pid outside, getppid 0 inside.
        let mut f = Fixture::new();
        let init = f.init();
        let (c, seen) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        assert_eq!(seen, 2, "parent sees its number: got {}", seen);
        assert_eq!(f.k.getpid(c), Ok(1), "inside it is pid 1");
        assert_eq!(f.k.getppid(c), Ok(0), "parent not visible: getppid 0");
        assert!(f.k.proc(c).unwrap().unkillable);
        let (g, seen2) = f.k.spawn(c, 0, 0).unwrap();
        assert_eq!((f.k.getpid(g), seen2, f.k.getppid(g)), (Ok(2), 2, Ok(1)));
    }

    #[test]
    fn spawn_init_errors_and_join() {
        let mut f = Fixture::new();
        let root = f.k.root_ns;
        assert_eq!(
            f.k.spawn_init(ContainerHandle(77), root, 0, 0, 0).err(),
            Some(Errno::EINVAL),
            "unknown container"
        );
        assert_eq!(
            f.k.spawn_init(f.c, NsId(77), 0, 0, 0).err(),
            Some(Errno::EINVAL),
            "unknown namespace"
        );
        let (_, nr1, _) = f.k.spawn_init(f.c, root, 0, 0, 0).unwrap();
        let (_, nr2, ns2) = f.k.spawn_init(f.c, root, INIT_NEW_NS, 0, 0).unwrap();
        let (p3, nr3, _) = f.k.spawn_init(f.c, root, 0, 0, 0).unwrap();
        assert_eq!(
            (nr1, nr2, nr3),
            (1, 1, 3),
            "join root ns / new ns / join root ns again"
        );
        assert_ne!(ns2, root);
        assert!(
            !f.k.proc(p3).unwrap().unkillable,
            "a second process in a namespace is not its init"
        );
    }

    #[test]
    fn exec_resets_handlers_and_marks_exec() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.catch(c, SIGINT);
        f.k.exec(c).unwrap();
        assert_eq!(
            f.k.proc(c).unwrap().signals.action(SIGINT).handler,
            Handler::Default
        );
        assert_eq!(
            f.k.setpgid(init, 2, 0),
            Err(Errno::EACCES),
            "after exec the parent may not setpgid"
        );
    }

    #[test]
    fn pid_reuse_after_wrap_skips_in_use() {
        // kernel/pid.c: allocation wraps at pid_max and skips numbers still in use.
        let mut f = Fixture::with(crate::kernel::KernelOptions {
            pid_max: 5,
            pids_limit: 0,
        });
        let init = f.init();
        let a = f.fork(init); // 2
        let b = f.fork(init); // 3
        let c = f.fork(init); // 4
        assert_eq!((a.0, b.0, c.0), (2, 3, 4));
        assert_eq!(
            f.k.spawn(init, 0, 0).err(),
            Some(Errno::EAGAIN),
            "pid_max 5: numbers 1..4 only"
        );
        f.exit_reap(b, 0);
        let d = f.fork(init);
        assert_eq!(d.0, 3, "wrapped and reused the freed 3, got {}", d.0);
    }

    #[test]
    fn spawn_from_zombie_or_unknown_is_esrch() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.exit(c, 0).unwrap();
        assert_eq!(
            f.k.spawn(c, 0, 0).err(),
            Some(Errno::ESRCH),
            "zombie parent"
        );
        assert_eq!(
            f.k.spawn(Pid(99), 0, 0).err(),
            Some(Errno::ESRCH),
            "unknown parent"
        );
        assert_eq!(f.k.exec(c), Err(Errno::ESRCH), "exec of a zombie");
    }

    #[test]
    fn join_pgrp_from_nested_namespace_uses_parent_view() {
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        let g = f.spawn_flags(nsinit, SPAWN_NEW_PGRP, 0);
        let (c, _) = f.k.spawn(nsinit, SPAWN_JOIN_PGRP, 2).unwrap();
        assert_eq!(
            f.k.proc(c).unwrap().pgid,
            g.as_pgid(),
            "pgid 2 inside the namespace is g"
        );
    }

    #[test]
    fn spawn_init_new_namespace_makes_an_init() {
        let mut f = Fixture::new();
        let root = f.k.root_ns;
        let (p, nr, ns) = f.k.spawn_init(f.c, root, INIT_NEW_NS, 0, 0).unwrap();
        assert_eq!((nr, f.k.getpid(p)), (1, Ok(1)));
        assert_eq!(f.k.namespaces[&ns].reaper, Some(p));
        assert!(f.k.proc(p).unwrap().unkillable);
    }

    #[test]
    fn failed_spawn_leaves_nothing_behind() {
        let mut f = Fixture::with(crate::kernel::KernelOptions {
            pid_max: 32768,
            pids_limit: 1,
        });
        let init = f.init();
        let before = f.k.object_counts();
        assert_eq!(f.k.spawn(init, SPAWN_NEW_NS, 0).err(), Some(Errno::EAGAIN));
        assert_eq!(
            f.k.object_counts(),
            before,
            "no namespace, pid or group leaked"
        );
    }
}
