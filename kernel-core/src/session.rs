//! Sessions: setsid(2) and getsid(2) (kernel/sys.c:ksys_setsid, sys_getsid).

use crate::errno::Errno;
use crate::ids::{Pid, Sid, TtyHandle};
use crate::kernel::Kernel;
use crate::pid_namespace::USE_SESSION;

/// A session. It lives while a process (zombies included) belongs to it.
#[derive(Debug, Clone)]
pub struct Session {
    /// Member count (processes whose sid this is). Owned by join/leave below.
    pub members: u32,
    /// The controlling terminal (signal->tty, shared by the session here).
    pub tty: Option<TtyHandle>,
}

impl Kernel {
    pub(crate) fn join_session(&mut self, pid: Pid, sid: Sid) {
        let fresh = !self.sessions.contains_key(&sid);
        self.sessions
            .entry(sid)
            .or_insert(Session {
                members: 0,
                tty: None,
            })
            .members += 1;
        if fresh {
            self.pid_use(sid.as_pid(), USE_SESSION);
        }
        if let Ok(p) = self.proc_mut(pid) {
            p.sid = sid;
        }
    }

    pub(crate) fn leave_session(&mut self, pid: Pid) {
        let sid = match self.procs.get(&pid) {
            Some(p) => p.sid,
            None => return,
        };
        let gone = match self.sessions.get_mut(&sid) {
            Some(s) => {
                s.members -= 1;
                s.members == 0
            }
            None => false,
        };
        if gone {
            if let Some(s) = self.sessions.remove(&sid) {
                if let Some(t) = s.tty {
                    self.tty_unlink(t);
                }
            }
            self.pid_unuse(sid.as_pid(), USE_SESSION);
        }
    }

    /// setsid(2): EPERM when the caller already leads a session or when a process group with
    /// the caller's pid exists (it leads a group); otherwise a new session and group with no
    /// controlling terminal. Returns the new sid as the caller sees it.
    pub fn setsid(&mut self, caller: Pid) -> Result<i32, Errno> {
        let p = self.proc(caller)?;
        if p.is_session_leader() || self.pgrps.contains_key(&caller.as_pgid()) {
            return Err(Errno::EPERM);
        }
        self.move_to_new_session(caller);
        Ok(self.vnr(Some(caller), caller))
    }

    pub(crate) fn move_to_new_session(&mut self, pid: Pid) {
        self.leave_pgrp(pid);
        self.leave_session(pid);
        self.join_session(pid, pid.as_sid());
        self.join_pgrp(pid, pid.as_pgid(), pid.as_sid());
        if let Ok(p) = self.proc_mut(pid) {
            p.tty_detached = false;
        }
    }

    /// getsid(2): pid 0 is the caller; ESRCH for no such process. Linux does not return EPERM
    /// for a process of another session (the man page allows it; Linux does not do it).
    pub fn getsid(&self, caller: Pid, nr: i32) -> Result<i32, Errno> {
        self.proc(caller)?;
        let target = if nr == 0 {
            caller
        } else {
            self.find_task(Some(caller), nr).ok_or(Errno::ESRCH)?
        };
        let sid = self.proc(target)?.sid;
        Ok(self.vnr(Some(caller), sid.as_pid()))
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::spawn::{SPAWN_NEW_PGRP, SPAWN_NEW_SESSION};
    use crate::testutil::*;

    #[test]
    fn setsid_table() {
        // setsid(2) ERRORS: EPERM for a process-group leader (which includes session leaders).
        let cases: &[(&str, u32, Result<i32, Errno>)] = &[
            ("plain child becomes leader", 0, Ok(2)),
            ("group leader gets EPERM", SPAWN_NEW_PGRP, Err(Errno::EPERM)),
            (
                "session leader gets EPERM",
                SPAWN_NEW_SESSION,
                Err(Errno::EPERM),
            ),
        ];
        for (name, flags, want) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let c = f.spawn_flags(init, *flags, 0);
            let got = f.k.setsid(c);
            assert_eq!(
                &got, want,
                "setsid {}: got {:?}, want {:?}",
                name, got, want
            );
        }
    }

    #[test]
    fn setsid_makes_new_group_and_drops_the_terminal() {
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, crate::ids::TtyHandle(7), false)
            .unwrap();
        let c = f.fork(init);
        assert!(
            f.k.ctty_of(c).is_some(),
            "child shares the session's terminal"
        );
        f.k.setsid(c).unwrap();
        assert_eq!(f.k.getsid(c, 0), Ok(2));
        assert_eq!(f.k.getpgid(c, 0), Ok(2));
        assert_eq!(
            f.k.ctty_of(c),
            None,
            "new session has no controlling terminal"
        );
    }

    #[test]
    fn getsid_table() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.spawn_flags(init, SPAWN_NEW_SESSION, 0);
        let cases: &[(&str, i32, Result<i32, Errno>)] = &[
            ("0 is the caller", 0, Ok(1)),
            ("another session's process: Linux returns its sid", 2, Ok(2)),
            ("unknown pid", 9, Err(Errno::ESRCH)),
        ];
        for (name, nr, want) in cases {
            let got = f.k.getsid(init, *nr);
            assert_eq!(
                &got, want,
                "getsid {}: got {:?}, want {:?}",
                name, got, want
            );
        }
        assert_eq!(f.k.getsid(c, 1), Ok(1));
    }

    #[test]
    fn session_outlives_leader_until_last_member() {
        let mut f = Fixture::new();
        let init = f.init();
        let lead = f.spawn_flags(init, SPAWN_NEW_SESSION, 0);
        let m = f.fork(lead);
        f.exit_reap(lead, 0);
        assert_eq!(
            f.k.getsid(m, 0),
            Ok(2),
            "member keeps the session id of its dead leader"
        );
        assert!(
            f.k.pids.contains_key(&lead),
            "the leader's number stays reserved"
        );
        let again = f.fork(init);
        assert_ne!(again, lead, "no reuse while the session lives");
    }

    #[test]
    fn setsid_inside_namespace_returns_local_number() {
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, crate::spawn::SPAWN_NEW_NS, 0).unwrap();
        let c = f.fork(nsinit);
        assert_eq!(f.k.setsid(c), Ok(2), "sid as seen inside");
        assert_eq!(f.k.getsid(init, c.0), Ok(c.0), "and as seen from the root");
    }

    #[test]
    fn unknown_caller_is_esrch() {
        let mut f = Fixture::new();
        let _init = f.init();
        let ghost = crate::ids::Pid(40);
        assert_eq!(f.k.getsid(ghost, 1), Err(Errno::ESRCH));
        assert_eq!(f.k.getpgid(ghost, 1), Err(Errno::ESRCH));
        assert_eq!(f.k.setsid(ghost), Err(Errno::ESRCH));
        assert_eq!(f.k.setpgid(ghost, 0, 0), Err(Errno::ESRCH));
    }
}
