//! Process death and its consequences (kernel/exit.c): becoming a zombie, killing a namespace
//! whose init died (kernel/pid_namespace.c:zap_pid_ns_processes), reparenting orphans to a
//! subreaper or init (forget_original_parent, find_new_reaper), SIGCHLD to the parent with
//! auto-reaping when it ignores SIGCHLD or set SA_NOCLDWAIT (do_notify_parent), and release.

use crate::errno::Errno;
use crate::events::Event;
use crate::ids::Pid;
use crate::kernel::Kernel;
use crate::pid_namespace::USE_TASK;
use crate::process::{status, ProcState};
use crate::signals::{
    self, Handler, SigSet, CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIGCHLD, SIGKILL,
};

impl Kernel {
    /// exit_group(code).
    pub fn exit(&mut self, pid: Pid, code: i32) -> Result<(), Errno> {
        if self.proc(pid)?.is_zombie() {
            return Err(Errno::ESRCH);
        }
        self.do_exit(pid, status::exited(code));
        Ok(())
    }

    /// The platform killed the guest for a fault (a trap: SIGSEGV/SIGILL-like) or already
    /// halted it for a signal: record the death with that signal (and core bit).
    pub fn exit_signaled(&mut self, pid: Pid, sig: u32, core: bool) -> Result<(), Errno> {
        if !signals::valid(sig) {
            return Err(Errno::EINVAL);
        }
        if self.proc(pid)?.is_zombie() {
            return Err(Errno::ESRCH);
        }
        self.do_exit(pid, status::signaled(sig, core));
        Ok(())
    }

    /// A fatal signal: tell the platform to halt the guest, then exit with the signal status
    /// (complete_signal's group exit / get_signal's do_group_exit).
    pub(crate) fn kill_now(&mut self, pid: Pid, sig: u32, core: bool) {
        if self.procs.get(&pid).map_or(true, |p| p.is_zombie()) {
            return;
        }
        self.emit(Event::Terminate { pid, sig, core });
        self.do_exit(pid, status::signaled(sig, core));
    }

    /// do_exit + exit_notify.
    pub(crate) fn do_exit(&mut self, pid: Pid, st: i32) {
        let (c, ns, leader) = match self.procs.get_mut(&pid) {
            Some(p) if !p.is_zombie() => {
                p.state = ProcState::Zombie;
                p.exit_status = st;
                p.stop_report = 0;
                p.cont_report = false;
                p.signals.flush(SigSet(u64::MAX));
                (p.container, p.ns, p.is_session_leader())
            }
            _ => return,
        };
        if let Some(ct) = self.containers.get_mut(&c) {
            ct.live -= 1;
            if ct.live == 0 {
                self.events
                    .push_back(Event::ContainerEmpty { container: c });
            }
        }
        self.emit(Event::ProcessExited { pid, status: st });
        if leader {
            self.session_leader_exit(pid);
        }
        if self.namespaces.get(&ns).and_then(|n| n.reaper) == Some(pid) {
            self.zap_namespace(ns, pid);
        }
        self.forget_original_parent(pid);
        self.kill_orphaned_pgrp(pid, None);
        self.notify_parent_exit(pid);
    }

    /// zap_pid_ns_processes: init of `ns` died. Allocation stops, every other process visible
    /// in the namespace (nested ones included) is killed with SIGKILL, and init reaps them;
    /// processes whose parent lives outside the namespace stay zombies for that parent.
    fn zap_namespace(&mut self, ns: crate::ids::NsId, init: Pid) {
        if let Some(n) = self.namespaces.get_mut(&ns) {
            n.dead = true;
        }
        let members: Vec<Pid> = match self.namespaces.get(&ns) {
            Some(n) => n
                .map
                .values()
                .copied()
                .filter(|&p| p != init && self.procs.contains_key(&p))
                .collect(),
            None => return,
        };
        for &m in &members {
            self.kill_now(m, SIGKILL, false);
        }
        let children: Vec<Pid> = self
            .procs
            .get(&init)
            .map(|p| p.children.clone())
            .unwrap_or_default();
        for ch in children {
            if self.procs.get(&ch).map_or(false, |p| p.is_zombie()) {
                self.release(ch);
            }
        }
        self.emit(Event::NamespaceKilled { ns });
    }

    /// find_new_reaper: the nearest living subreaper among the ancestors in the same
    /// namespace, else the namespace's init (even while it is exiting, as Linux does), else the
    /// host.
    fn find_new_reaper(&self, father: Pid) -> Option<Pid> {
        let f = self.procs.get(&father)?;
        let mut a = f.parent;
        while let Some(x) = a {
            let px = match self.procs.get(&x) {
                Some(px) if px.ns == f.ns => px,
                _ => break,
            };
            if px.subreaper && !px.is_zombie() {
                return Some(x);
            }
            a = px.parent;
        }
        self.namespaces
            .get(&f.ns)
            .and_then(|n| n.reaper)
            .filter(|&r| r != father && self.procs.contains_key(&r))
    }

    /// forget_original_parent: hand every child to the new reaper; a zombie child is announced
    /// to it again (and auto-reaped if it ignores SIGCHLD); then check whether the child's
    /// group just became orphaned.
    fn forget_original_parent(&mut self, father: Pid) {
        let children = match self.procs.get_mut(&father) {
            Some(p) if !p.children.is_empty() => std::mem::take(&mut p.children),
            _ => return,
        };
        let reaper = self.find_new_reaper(father);
        for c in children {
            if let Some(cp) = self.procs.get_mut(&c) {
                cp.parent = reaper;
            } else {
                continue;
            }
            if let Some(r) = reaper.and_then(|r| self.procs.get_mut(&r)) {
                r.children.push(c);
            }
            self.emit(Event::Reparented {
                pid: c,
                new_parent: reaper.unwrap_or(Pid(0)),
            });
            if self.procs.get(&c).map_or(false, |p| p.is_zombie()) {
                self.notify_parent_exit(c);
            }
            self.kill_orphaned_pgrp(c, Some(father));
        }
    }

    /// do_notify_parent: SIGCHLD (unless the parent ignores it) with CLD_EXITED/KILLED/DUMPED,
    /// wake the parent's waiters, and auto-reap when the parent set SIG_IGN or SA_NOCLDWAIT
    /// for SIGCHLD. The host never auto-reaps.
    fn notify_parent_exit(&mut self, child: Pid) {
        let (parent, st, uid) = match self.procs.get(&child) {
            Some(p) => (p.parent, p.exit_status, p.creds.ruid.0),
            None => return,
        };
        let pp = match parent.and_then(|x| self.procs.get(&x)) {
            Some(pp) => pp,
            None => {
                self.emit(Event::ChildStateChanged { parent: Pid(0) });
                return;
            }
        };
        let ppid = pp.pid;
        let act = *pp.signals.action(SIGCHLD);
        let autoreap = act.handler == Handler::Ignore || act.flags & SA_NOCLDWAIT != 0;
        if act.handler != Handler::Ignore {
            let (code, si_status) = if st & 0x7f == 0 {
                (CLD_EXITED, (st >> 8) & 0xff)
            } else if st & 0x80 != 0 {
                (CLD_DUMPED, st & 0x7f)
            } else {
                (CLD_KILLED, st & 0x7f)
            };
            self.send_kernel_signal(ppid, SIGCHLD, code, child, uid, si_status);
        }
        self.emit(Event::ChildStateChanged { parent: ppid });
        if autoreap {
            self.release(child);
        }
    }

    /// release_task: the zombie goes away; its pid, group and session links are dropped and
    /// the number is freed once nothing else uses it.
    pub(crate) fn release(&mut self, pid: Pid) {
        let (parent, c, ruid, live) = match self.procs.get(&pid) {
            Some(p) => (p.parent, p.container, p.creds.ruid.0, !p.is_zombie()),
            None => return,
        };
        if let Some(pp) = parent.and_then(|x| self.procs.get_mut(&x)) {
            pp.children.retain(|&x| x != pid);
        }
        self.leave_pgrp(pid);
        self.leave_session(pid);
        self.procs.remove(&pid);
        self.uncharge(c, ruid, live);
        self.pid_unuse(pid, USE_TASK);
        self.emit(Event::Reaped { pid });
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::events::Event;
    use crate::ids::Pid;
    use crate::process::ProcState;
    use crate::signals::{Handler, SA_NOCLDWAIT, SIGCHLD, SIGKILL};
    use crate::spawn::SPAWN_NEW_NS;
    use crate::testutil::*;

    #[test]
    fn exit_makes_zombie_and_signals_parent() {
        // exit(2): the child becomes a zombie, the parent gets SIGCHLD (if it catches it).
        let mut f = Fixture::new();
        let init = f.init();
        f.catch(init, SIGCHLD);
        let c = f.fork(init);
        f.k.exit(c, 3).unwrap();
        assert_eq!(f.state(c), ProcState::Zombie);
        assert_eq!(f.k.proc(c).unwrap().exit_status, 0x300);
        assert!(
            f.k.proc(init).unwrap().signals.pending.contains(SIGCHLD),
            "SIGCHLD pending at parent"
        );
        assert!(f
            .k
            .events
            .contains(&Event::ChildStateChanged { parent: init }));
        assert_eq!(
            f.k.exit(c, 0),
            Err(Errno::ESRCH),
            "a zombie cannot exit again"
        );
    }

    #[test]
    fn autoreap_table() {
        // do_notify_parent: SIGCHLD SIG_IGN or SA_NOCLDWAIT → no zombie (waitpid(2) NOTES).
        let cases: &[(&str, Handler, u32, bool)] = &[
            (
                "default disposition leaves a zombie",
                Handler::Default,
                0,
                false,
            ),
            ("SIG_IGN auto-reaps", Handler::Ignore, 0, true),
            (
                "SA_NOCLDWAIT auto-reaps",
                Handler::Default,
                SA_NOCLDWAIT,
                true,
            ),
            (
                "handler without flag leaves a zombie",
                Handler::Catch(1),
                0,
                false,
            ),
        ];
        for (name, h, flags, reaped) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            f.set_action(init, SIGCHLD, *h, *flags);
            let c = f.fork(init);
            f.k.exit(c, 0).unwrap();
            let gone = !f.k.procs.contains_key(&c);
            assert_eq!(
                gone, *reaped,
                "{}: reaped got {}, want {}",
                name, gone, reaped
            );
        }
    }

    #[test]
    fn orphans_go_to_init_and_zombies_are_reaped_by_it() {
        // forget_original_parent: children of a dying process are reparented to the namespace's
        // init, which reaps the zombies among them.
        let mut f = Fixture::new();
        let init = f.init();
        let mid = f.fork(init);
        let a = f.fork(mid);
        let z = f.fork(mid);
        f.k.exit(z, 0).unwrap();
        f.k.exit(mid, 0).unwrap();
        assert_eq!(
            f.k.proc(a).unwrap().parent,
            Some(init),
            "live orphan reparented to init"
        );
        assert_eq!(f.k.getppid(a), Ok(1));
        assert!(f.k.events.contains(&Event::Reparented {
            pid: a,
            new_parent: init
        }));
        assert_eq!(
            f.k.proc(z).unwrap().parent,
            Some(init),
            "zombie reparented to init"
        );
        let w =
            f.k.wait(Some(init), crate::wait::P_PID, z.0, 0, false)
                .unwrap();
        assert_eq!(w.pid, z.0, "init reaps the zombie orphan");
    }

    #[test]
    fn subreaper_gets_orphans() {
        // prctl(2) PR_SET_CHILD_SUBREAPER.
        let mut f = Fixture::new();
        let init = f.init();
        let sr = f.fork(init);
        f.k.set_subreaper(sr, true).unwrap();
        let mid = f.fork(sr);
        let leaf = f.fork(mid);
        f.k.exit(mid, 0).unwrap();
        assert_eq!(
            f.k.proc(leaf).unwrap().parent,
            Some(sr),
            "got {:?}, want subreaper",
            f.k.proc(leaf).unwrap().parent
        );
    }

    #[test]
    fn dead_subreaper_is_skipped() {
        let mut f = Fixture::new();
        let init = f.init();
        let sr = f.fork(init);
        f.k.set_subreaper(sr, true).unwrap();
        let mid = f.fork(sr);
        let leaf = f.fork(mid);
        f.k.exit(sr, 0).unwrap();
        assert_eq!(f.k.proc(mid).unwrap().parent, Some(init));
        f.k.exit(mid, 0).unwrap();
        assert_eq!(
            f.k.proc(leaf).unwrap().parent,
            Some(init),
            "no living subreaper: init"
        );
    }

    #[test]
    fn namespace_init_death_kills_and_reaps_everyone_inside() {
        // pid_namespaces(7): when init of a namespace terminates, the kernel kills every other
        // process in it with SIGKILL.
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        let ns = f.k.proc(nsinit).unwrap().ns;
        let a = f.fork(nsinit);
        let b = f.fork(a);
        let (nested, _) = f.k.spawn(b, SPAWN_NEW_NS, 0).unwrap();
        let deep = f.fork(nested);
        f.k.exit(nsinit, 0).unwrap();
        for p in [a, b, nested, deep] {
            assert!(
                !f.k.procs.contains_key(&p),
                "{:?} should be killed and reaped",
                p
            );
        }
        assert!(f.k.events.contains(&Event::NamespaceKilled { ns }));
        assert!(f.k.events.contains(&Event::Terminate {
            pid: a,
            sig: SIGKILL,
            core: false
        }));
        assert_eq!(
            f.state(nsinit),
            ProcState::Zombie,
            "init waits for its own parent"
        );
        f.reap(init, nsinit);
        assert!(
            !f.k.namespaces.contains_key(&ns),
            "namespace freed with its last pid"
        );
    }

    #[test]
    fn dead_namespace_refuses_new_pids() {
        // alloc_pid fails ENOMEM once PIDNS_ADDING is cleared.
        let mut f = Fixture::new();
        let _init = f.init();
        let ns = f.k.ns_create(f.k.root_ns).unwrap();
        let (p, _, _) = f.k.spawn_init(f.c, ns, 0, 0, 0).unwrap();
        let (q, _, _) = f.k.spawn_init(f.c, ns, 0, 0, 0).unwrap();
        f.k.exit(p, 0).unwrap();
        assert_eq!(
            f.state(q),
            ProcState::Zombie,
            "killed; parent is the host so it stays a zombie"
        );
        assert_eq!(f.k.spawn_init(f.c, ns, 0, 0, 0).err(), Some(Errno::ENOMEM));
    }

    #[test]
    fn exit_status_events_in_order() {
        let mut f = Fixture::new();
        let init = f.init();
        f.set_handler(init, SIGCHLD, Handler::Ignore);
        let c = f.fork(init);
        f.k.events.clear();
        f.k.exit(c, 7).unwrap();
        let evs: Vec<Event> = f.k.events.iter().copied().collect();
        let want = vec![
            Event::ProcessExited {
                pid: c,
                status: 0x700,
            },
            Event::ChildStateChanged { parent: init },
            Event::Reaped { pid: c },
        ];
        assert_eq!(evs, want, "got {:?}, want {:?}", evs, want);
        assert!(!f.k.pids.contains_key(&Pid(c.0)), "pid freed on reap");
    }

    #[test]
    fn exit_signaled_validates_signal() {
        let mut f = Fixture::new();
        let init = f.init();
        assert_eq!(f.k.exit_signaled(init, 0, false), Err(Errno::EINVAL));
        assert_eq!(f.k.exit_signaled(init, 65, false), Err(Errno::EINVAL));
        assert_eq!(f.k.exit_signaled(Pid(50), 9, false), Err(Errno::ESRCH));
    }

    #[test]
    fn zombie_reparented_to_ignoring_init_is_autoreaped() {
        // reparent_leader → do_notify_parent: the new parent ignores SIGCHLD, so the zombie goes.
        let mut f = Fixture::new();
        let init = f.init();
        f.set_handler(init, SIGCHLD, Handler::Ignore);
        let mid = f.fork(init);
        f.set_handler(mid, SIGCHLD, Handler::Default);
        let z = f.fork(mid);
        f.k.exit(z, 0).unwrap();
        assert!(
            f.k.procs.contains_key(&z),
            "mid does not ignore SIGCHLD: zombie kept"
        );
        f.k.exit(mid, 0).unwrap();
        assert!(
            !f.k.procs.contains_key(&z),
            "reparented to init, which auto-reaps"
        );
    }

    #[test]
    fn reparented_zombie_wakes_new_parent() {
        let mut f = Fixture::new();
        let init = f.init();
        let mid = f.fork(init);
        let z = f.fork(mid);
        f.k.exit(z, 0).unwrap();
        f.k.events.clear();
        f.k.exit(mid, 0).unwrap();
        let wakes =
            f.k.events
                .iter()
                .filter(|e| **e == Event::ChildStateChanged { parent: init })
                .count();
        assert_eq!(
            wakes, 2,
            "zombie orphan and mid itself: got {} wakes",
            wakes
        );
    }

    #[test]
    fn reaping_frees_the_pid_number() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.exit_reap(c, 0);
        assert_eq!(f.k.lookup(f.k.root_ns, c.0), None, "number free after reap");
        assert_eq!(f.k.getpid(c), Err(Errno::ESRCH));
    }

    #[test]
    fn container_counts_follow_exit_and_reap() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        let ct = f.k.containers[&f.c];
        assert_eq!((ct.count, ct.live), (2, 2));
        f.k.exit(c, 0).unwrap();
        let ct = f.k.containers[&f.c];
        assert_eq!((ct.count, ct.live), (2, 1), "zombie counts, not live");
        f.reap(init, c);
        let ct = f.k.containers[&f.c];
        assert_eq!((ct.count, ct.live), (1, 1));
    }
}
