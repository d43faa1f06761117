//! Process groups: setpgid(2)/getpgid(2) with every error case of the man page, membership,
//! and the orphaned-process-group rule of POSIX (kernel/exit.c:will_become_orphaned_pgrp,
//! kill_orphaned_pgrp).

use crate::errno::Errno;
use crate::ids::{Pgid, Pid, Sid};
use crate::kernel::Kernel;
use crate::pid_namespace::{USE_PGRP, USE_TASK};
use crate::process::ProcState;
use crate::signals::{SIGCONT, SIGHUP};

/// A process group. It lives while it has members (zombies included, as in Linux where a
/// zombie keeps its PIDTYPE_PGID link until release_task).
#[derive(Debug, Clone)]
pub struct ProcessGroup {
    /// Member pids in join order. Owned by join/leave below.
    pub members: Vec<Pid>,
    /// The session every member belongs to (a group never spans sessions).
    pub sid: Sid,
}

impl Kernel {
    pub(crate) fn join_pgrp(&mut self, pid: Pid, pgid: Pgid, sid: Sid) {
        let fresh = !self.pgrps.contains_key(&pgid);
        self.pgrps
            .entry(pgid)
            .or_insert_with(|| ProcessGroup {
                members: Vec::new(),
                sid,
            })
            .members
            .push(pid);
        if fresh {
            self.pid_use(pgid.as_pid(), USE_PGRP);
        }
        if let Ok(p) = self.proc_mut(pid) {
            p.pgid = pgid;
        }
    }

    pub(crate) fn leave_pgrp(&mut self, pid: Pid) {
        let pgid = match self.procs.get(&pid) {
            Some(p) => p.pgid,
            None => return,
        };
        let empty = match self.pgrps.get_mut(&pgid) {
            Some(g) => {
                g.members.retain(|&m| m != pid);
                g.members.is_empty()
            }
            None => false,
        };
        if empty {
            self.pgrps.remove(&pgid);
            self.pid_unuse(pgid.as_pid(), USE_PGRP);
        }
    }

    /// getpgid(2): pid 0 means the caller; ESRCH when no such process is visible. The group
    /// number is as the caller sees it (0 when the group's id lives outside its namespace).
    pub fn getpgid(&self, caller: Pid, nr: i32) -> Result<i32, Errno> {
        self.proc(caller)?;
        let target = if nr == 0 {
            caller
        } else {
            self.find_task(Some(caller), nr).ok_or(Errno::ESRCH)?
        };
        let pgid = self.proc(target)?.pgid;
        Ok(self.vnr(Some(caller), pgid.as_pid()))
    }

    /// setpgid(2), in kernel/sys.c's order of checks:
    /// EINVAL pgid < 0; ESRCH no such process; for a child of the caller EPERM if in another
    /// session and EACCES if it has exec'd; otherwise ESRCH unless it is the caller; EPERM for a
    /// session leader; EPERM when joining a group that does not exist in the caller's session.
    pub fn setpgid(&mut self, caller: Pid, pid_nr: i32, pgid_nr: i32) -> Result<(), Errno> {
        // As kernel/sys.c:ksys_setpgid: pgid 0 means the target's own pid, which is checked for
        // sign before the target is looked up (setpgid(-1, 0) is EINVAL, not ESRCH).
        if pgid_nr < 0 || (pgid_nr == 0 && pid_nr < 0) {
            return Err(Errno::EINVAL);
        }
        let me = self.proc(caller)?;
        let my_sid = me.sid;
        let target = if pid_nr == 0 {
            caller
        } else {
            self.find_task(Some(caller), pid_nr).ok_or(Errno::ESRCH)?
        };
        let t = self.proc(target)?;
        if t.parent == Some(caller) {
            if t.sid != my_sid {
                return Err(Errno::EPERM);
            }
            if t.did_exec {
                return Err(Errno::EACCES);
            }
        } else if target != caller {
            return Err(Errno::ESRCH);
        }
        if t.is_session_leader() {
            return Err(Errno::EPERM);
        }
        let target_vnr = self.vnr(Some(caller), target);
        let new = if pgid_nr == 0 || pgid_nr == target_vnr {
            target.as_pgid()
        } else {
            let rec = self
                .lookup(self.view_of(Some(caller)), pgid_nr)
                .ok_or(Errno::EPERM)?;
            match self.pgrps.get(&Pgid(rec.0)) {
                Some(g) if g.sid == my_sid => Pgid(rec.0),
                _ => return Err(Errno::EPERM),
            }
        };
        if t.pgid != new {
            let sid = t.sid;
            self.leave_pgrp(target);
            self.join_pgrp(target, new, sid);
        }
        Ok(())
    }

    /// kernel/exit.c:will_become_orphaned_pgrp: a group is orphaned when no member (other than
    /// `ignored`, and not counting zombies) has a parent in another group of the same session.
    /// A parent outside the sandbox (the host) never holds a group, like Linux's global init.
    pub(crate) fn will_become_orphaned(&self, pgid: Pgid, ignored: Option<Pid>) -> bool {
        let g = match self.pgrps.get(&pgid) {
            Some(g) => g,
            None => return true,
        };
        for &m in &g.members {
            if Some(m) == ignored {
                continue;
            }
            let p = match self.procs.get(&m) {
                Some(p) if !p.is_zombie() => p,
                _ => continue,
            };
            if let Some(pp) = p.parent.and_then(|x| self.procs.get(&x)) {
                if pp.pgid != pgid && pp.sid == p.sid {
                    return false;
                }
            }
        }
        true
    }

    pub(crate) fn has_stopped_jobs(&self, pgid: Pgid) -> bool {
        self.pgrps.get(&pgid).map_or(false, |g| {
            g.members.iter().any(|m| {
                self.procs
                    .get(m)
                    .map_or(false, |p| p.state == ProcState::Stopped)
            })
        })
    }

    /// kernel/exit.c:kill_orphaned_pgrp: when `tsk`'s exit (parent None: tsk is the one
    /// exiting) or its parent's exit (parent Some) orphans a group with stopped members,
    /// POSIX 3.2.2.2 wants SIGHUP then SIGCONT sent to every member.
    pub(crate) fn kill_orphaned_pgrp(&mut self, tsk: Pid, parent: Option<Pid>) {
        let t = match self.procs.get(&tsk) {
            Some(t) => t,
            None => return,
        };
        let (pgid, sid) = (t.pgid, t.sid);
        let (par, ignored) = match parent {
            None => (t.parent, Some(tsk)),
            Some(f) => (Some(f), None),
        };
        let par = match par.and_then(|p| self.procs.get(&p)) {
            Some(p) => p,
            None => return,
        };
        if par.pgid != pgid
            && par.sid == sid
            && self.will_become_orphaned(pgid, ignored)
            && self.has_stopped_jobs(pgid)
        {
            self.signal_pgrp_from_kernel(pgid, SIGHUP);
            self.signal_pgrp_from_kernel(pgid, SIGCONT);
        }
    }

    /// Every member of a group, for kill(-pgid).
    pub(crate) fn pgrp_members(&self, pgid: Pgid) -> Vec<Pid> {
        self.pgrps
            .get(&pgid)
            .map(|g| g.members.clone())
            .unwrap_or_default()
    }

    /// Whether `pid` still has its task (used by invariant checks).
    pub fn pid_has_task(&self, pid: Pid) -> bool {
        self.pids
            .get(&pid)
            .map_or(false, |r| r.uses & USE_TASK != 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::testutil::*;

    #[test]
    fn setpgid_error_table() {
        // setpgid(2) ERRORS, each arranged on a fresh sandbox: init(1) with child a(2, fork, no
        // exec), child e(3, exec'd), grandchild g(4, child of a), and s(5) a child in its own
        // session.
        type Case = (&'static str, i32, i32, i32, Result<(), Errno>);
        let cases: &[Case] = &[
            ("EINVAL: pgid < 0", 1, 2, -1, Err(Errno::EINVAL)),
            (
                "EINVAL: pgid 0 takes a negative pid",
                1,
                -1,
                0,
                Err(Errno::EINVAL),
            ),
            ("ESRCH: no such process", 1, 99, 0, Err(Errno::ESRCH)),
            (
                "ESRCH: not the caller nor a child",
                1,
                4,
                0,
                Err(Errno::ESRCH),
            ),
            ("EACCES: child has exec'd", 1, 3, 0, Err(Errno::EACCES)),
            (
                "EPERM: child in another session",
                1,
                5,
                0,
                Err(Errno::EPERM),
            ),
            (
                "EPERM: target is a session leader",
                1,
                0,
                0,
                Err(Errno::EPERM),
            ),
            (
                "EPERM: group not in caller's session",
                2,
                0,
                5,
                Err(Errno::EPERM),
            ),
            ("EPERM: no such group", 2, 0, 77, Err(Errno::EPERM)),
            ("ok: child into own group", 1, 2, 0, Ok(())),
            ("ok: self into new group", 2, 0, 0, Ok(())),
            (
                "ok: self into parent's group (same session)",
                4,
                0,
                1,
                Ok(()),
            ),
        ];
        for (name, caller, pid, pgid, want) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let a = f.fork(init);
            let _e = f.spawn(init);
            let _g = f.fork(a);
            let _s = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
            let got = f.k.setpgid(f.root(*caller), *pid, *pgid);
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn setpgid_moves_and_frees_groups() {
        // A group lives while it has members; the leader's number stays reserved meanwhile.
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        f.k.setpgid(init, 2, 0).unwrap();
        assert_eq!(f.k.getpgid(init, 2), Ok(2), "child got its own group");
        let b = f.fork(a);
        assert_eq!(f.k.getpgid(b, 0), Ok(2), "fork inherits the group");
        f.k.setpgid(a, 3, 1).unwrap();
        assert_eq!(f.k.getpgid(b, 0), Ok(1), "joined parent's parent's group");
        f.exit_reap(a, 0);
        assert!(f.k.pgrps.contains_key(&crate::ids::Pgid(1)));
        assert!(
            !f.k.pgrps.contains_key(&crate::ids::Pgid(2)),
            "empty group 2 freed"
        );
    }

    #[test]
    fn getpgid_table() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        f.k.setpgid(a, 0, 0).unwrap();
        let cases: &[(&str, i32, Result<i32, Errno>)] = &[
            ("0 is the caller", 0, Ok(1)),
            ("another process", 2, Ok(2)),
            ("ESRCH for unknown pid", 50, Err(Errno::ESRCH)),
            ("negative pid is ESRCH", -3, Err(Errno::ESRCH)),
        ];
        for (name, nr, want) in cases {
            let got = f.k.getpgid(init, *nr);
            assert_eq!(
                &got, want,
                "getpgid {}: got {:?}, want {:?}",
                name, got, want
            );
        }
    }

    #[test]
    fn orphaned_group_gets_sighup_then_sigcont() {
        // kernel/exit.c:kill_orphaned_pgrp: the session leader (a shell, in another group of
        // the same session) exits while its job's group has a stopped member; the job's new
        // parent (init) is in another session, so the group is orphaned.
        let mut f = Fixture::new();
        let init = f.init();
        let sh = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
        let job = f.fork(sh);
        f.k.setpgid(sh, f.nr(job), 0).unwrap();
        f.catch(job, crate::signals::SIGHUP);
        f.k.kill(None, job.0, crate::signals::SIGSTOP).unwrap();
        f.k.dequeue(job).unwrap();
        assert_eq!(f.state(job), crate::process::ProcState::Stopped);
        f.k.events.clear();
        f.k.exit(sh, 0).unwrap();
        assert_eq!(
            f.state(job),
            crate::process::ProcState::Running,
            "SIGCONT resumed the orphaned job"
        );
        let pend = f.k.proc(job).unwrap().signals.pending;
        assert!(
            pend.contains(crate::signals::SIGHUP),
            "SIGHUP pending: got {:#x}",
            pend.0
        );
    }

    #[test]
    fn orphaned_group_without_stopped_members_is_left_alone() {
        let mut f = Fixture::new();
        let init = f.init();
        let sh = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
        let job = f.fork(sh);
        f.k.setpgid(sh, f.nr(job), 0).unwrap();
        f.catch(job, crate::signals::SIGHUP);
        f.k.exit(sh, 0).unwrap();
        assert!(
            f.k.proc(job).unwrap().signals.pending.is_empty(),
            "no stopped job: no SIGHUP"
        );
    }

    #[test]
    fn same_session_reaper_keeps_group_attached() {
        // will_become_orphaned_pgrp: the new parent (init) is in the same session and another
        // group, so the group is not orphaned and the stopped job stays stopped.
        let mut f = Fixture::new();
        let init = f.init();
        let sh = f.fork(init);
        f.k.setpgid(sh, 0, 0).unwrap();
        let job = f.fork(sh);
        f.k.setpgid(sh, f.nr(job), 0).unwrap();
        f.k.kill(None, job.0, crate::signals::SIGSTOP).unwrap();
        f.k.dequeue(job).unwrap();
        f.k.exit(sh, 0).unwrap();
        assert_eq!(f.state(job), crate::process::ProcState::Stopped);
    }

    #[test]
    fn group_not_orphaned_while_a_parent_links_it() {
        // will_become_orphaned_pgrp: another member whose parent is in another group of the
        // same session keeps the group attached.
        let mut f = Fixture::new();
        let init = f.init();
        let sh = f.fork(init);
        f.k.setpgid(sh, 0, 0).unwrap();
        let j1 = f.fork(sh);
        f.k.setpgid(sh, f.nr(j1), 0).unwrap();
        assert!(
            !f.k.will_become_orphaned(j1.as_pgid(), None),
            "parent sh links group j1"
        );
        assert!(
            f.k.will_become_orphaned(j1.as_pgid(), Some(j1)),
            "ignoring the only member orphans it"
        );
        assert!(
            !f.k.will_become_orphaned(sh.as_pgid(), None),
            "init (group 1) links sh's group"
        );
    }
}
