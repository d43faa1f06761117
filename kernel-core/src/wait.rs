//! waitpid(2)/waitid(2) (kernel/exit.c:do_wait, wait_consider_task): selectors, options, the
//! Linux wait-status encoding, and reaping.

use crate::errno::Errno;
use crate::ids::{Pgid, Pid};
use crate::kernel::Kernel;
use crate::process::{status, ProcState};
use crate::signals::{CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SIGCONT};

pub const WNOHANG: u32 = 0x1;
/// WUNTRACED for waitpid, WSTOPPED for waitid.
pub const WSTOPPED: u32 = 0x2;
pub const WEXITED: u32 = 0x4;
pub const WCONTINUED: u32 = 0x8;
pub const WNOWAIT: u32 = 0x0100_0000;
pub const WNOTHREAD: u32 = 0x2000_0000;
pub const WALL: u32 = 0x4000_0000;
pub const WCLONE: u32 = 0x8000_0000;

/// waitid idtype.
pub const P_ALL: i32 = 0;
pub const P_PID: i32 = 1;
pub const P_PGID: i32 = 2;

/// A wait result. `pid` 0 means "children match but none is ready": WNOHANG returns 0, a
/// blocking wait parks the caller until a ChildStateChanged event for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WaitResult {
    /// The child's pid as the caller sees it.
    pub pid: i32,
    /// wait4 status word.
    pub status: i32,
    /// waitid si_code (CLD_*).
    pub code: i32,
    /// waitid si_status: exit code or signal.
    pub si_status: i32,
    /// The child's real uid (si_uid).
    pub uid: u32,
}

impl Kernel {
    /// do_wait. `caller` None is the host, whose children are the processes without a parent
    /// in the sandbox. `waitid` selects waitid's option rules (WEXITED needed, WNOWAIT allowed)
    /// over wait4's (WEXITED implied).
    pub fn wait(
        &mut self,
        caller: Option<Pid>,
        idtype: i32,
        id: i32,
        options: u32,
        waitid: bool,
    ) -> Result<WaitResult, Errno> {
        let mut options = options;
        if waitid {
            let allowed =
                WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL;
            if options & !allowed != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
                return Err(Errno::EINVAL);
            }
        } else {
            let allowed = WNOHANG | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL;
            if options & !allowed != 0 {
                return Err(Errno::EINVAL);
            }
            options |= WEXITED;
        }
        if let Some(c) = caller {
            self.proc(c)?;
        }
        let view = self.view_of(caller);
        // Which children qualify: Some(pid) / Some(pgid) / all. An unknown pid or group leaves
        // nothing to match, hence ECHILD.
        let (want_pid, want_pgid): (Option<Pid>, Option<Pgid>) = match idtype {
            P_ALL => (None, None),
            P_PID => {
                if id <= 0 {
                    return Err(Errno::EINVAL);
                }
                (Some(self.lookup(view, id).unwrap_or(Pid(-1))), None)
            }
            P_PGID => {
                if id < 0 {
                    return Err(Errno::EINVAL);
                }
                let g = if id == 0 {
                    match caller {
                        Some(c) => self.proc(c)?.pgid,
                        None => return Err(Errno::EINVAL),
                    }
                } else {
                    Pgid(self.lookup(view, id).map_or(-1, |p| p.0))
                };
                (None, Some(g))
            }
            _ => return Err(Errno::EINVAL),
        };
        let children: Vec<Pid> = match caller {
            Some(c) => self.proc(c)?.children.clone(),
            None => self
                .procs
                .values()
                .filter(|p| p.parent.is_none())
                .map(|p| p.pid)
                .collect(),
        };
        let mut any = false;
        for ch in children {
            let p = match self.procs.get(&ch) {
                Some(p) => p,
                None => continue,
            };
            if want_pid.map_or(false, |w| w != ch) || want_pgid.map_or(false, |g| g != p.pgid) {
                continue;
            }
            any = true;
            let seen = self.translate(ch, view);
            let uid = p.creds.ruid.0;
            if p.is_zombie() && options & WEXITED != 0 {
                let st = p.exit_status;
                let (code, si) = if st & 0x7f == 0 {
                    (CLD_EXITED, (st >> 8) & 0xff)
                } else if st & 0x80 != 0 {
                    (CLD_DUMPED, st & 0x7f)
                } else {
                    (CLD_KILLED, st & 0x7f)
                };
                if options & WNOWAIT == 0 {
                    self.release(ch);
                }
                return Ok(WaitResult {
                    pid: seen,
                    status: st,
                    code,
                    si_status: si,
                    uid,
                });
            }
            if p.state == ProcState::Stopped && p.stop_report != 0 && options & WSTOPPED != 0 {
                let sig = p.stop_report;
                if options & WNOWAIT == 0 {
                    self.proc_mut(ch)?.stop_report = 0;
                }
                return Ok(WaitResult {
                    pid: seen,
                    status: status::stopped(sig),
                    code: CLD_STOPPED,
                    si_status: sig as i32,
                    uid,
                });
            }
            if p.cont_report && options & WCONTINUED != 0 {
                if options & WNOWAIT == 0 {
                    self.proc_mut(ch)?.cont_report = false;
                }
                return Ok(WaitResult {
                    pid: seen,
                    status: status::CONTINUED,
                    code: CLD_CONTINUED,
                    si_status: SIGCONT as i32,
                    uid,
                });
            }
        }
        if any {
            Ok(WaitResult::default())
        } else {
            Err(Errno::ECHILD)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::{SIGCONT, SIGKILL, SIGSTOP, SIGTERM};
    use crate::testutil::*;

    #[test]
    fn wait_selector_table() {
        // waitpid(2): pid > 0, -1, 0 (own group), < -1 (that group); ECHILD when none match.
        // Tree: init(1) → a(2, group 1), b(3, own group 3), c(4, group 3); a and c exited.
        type Case = (&'static str, i32, i32, Result<i32, Errno>);
        let cases: &[Case] = &[
            ("P_PID exited child", P_PID, 2, Ok(2)),
            ("P_PID live child: not ready", P_PID, 3, Ok(0)),
            ("P_PID not a child", P_PID, 77, Err(Errno::ECHILD)),
            ("P_ALL picks first ready", P_ALL, 0, Ok(2)),
            ("P_PGID 0 = own group", P_PGID, 0, Ok(2)),
            ("P_PGID other group", P_PGID, 3, Ok(4)),
            ("P_PGID unknown group", P_PGID, 50, Err(Errno::ECHILD)),
            ("bad idtype", 7, 0, Err(Errno::EINVAL)),
            ("P_PID with pid 0", P_PID, 0, Err(Errno::EINVAL)),
        ];
        for (name, idt, id, want) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let a = f.fork(init);
            let b = f.fork(init);
            f.k.setpgid(init, f.nr(b), 0).unwrap();
            let c = f.fork(b);
            f.k.spawn(c, 0, 0).unwrap(); // c has a child of its own (5): not init's
            f.k.exit(a, 0).unwrap();
            f.k.proc_mut(c).unwrap().parent = Some(init); // simulate orphaning without exit
            f.k.proc_mut(b).unwrap().children.retain(|&x| x != c);
            f.k.proc_mut(init).unwrap().children.push(c);
            f.k.exit(c, 1).unwrap();
            let got =
                f.k.wait(Some(init), *idt, *id, WNOHANG, false)
                    .map(|w| w.pid);
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn wait_option_validation_table() {
        // waitid(2)/wait4(2) EINVAL rules.
        let cases: &[(&str, u32, bool, bool)] = &[
            (
                "wait4 accepts WUNTRACED|WCONTINUED",
                WSTOPPED | WCONTINUED,
                false,
                true,
            ),
            ("wait4 rejects WNOWAIT", WNOWAIT, false, false),
            ("wait4 rejects unknown bit", 0x100, false, false),
            (
                "waitid needs one of WEXITED/WSTOPPED/WCONTINUED",
                WNOHANG,
                true,
                false,
            ),
            (
                "waitid accepts WEXITED|WNOWAIT",
                WEXITED | WNOWAIT,
                true,
                true,
            ),
        ];
        for (name, opts, waitid, ok) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let _c = f.fork(init);
            let got = f.k.wait(Some(init), P_ALL, 0, *opts | WNOHANG, *waitid);
            assert_eq!(got.is_ok(), *ok, "{}: got {:?}", name, got);
        }
    }

    #[test]
    fn wait_status_and_reaping() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.exit(c, 42).unwrap();
        let w =
            f.k.wait(Some(init), P_ALL, 0, WEXITED | WNOWAIT, true)
                .unwrap();
        assert_eq!(
            (w.pid, w.code, w.si_status),
            (2, CLD_EXITED, 42),
            "WNOWAIT peek: got {:?}",
            w
        );
        assert!(f.k.procs.contains_key(&c), "WNOWAIT leaves the zombie");
        let w = f.k.wait(Some(init), P_ALL, 0, 0, false).unwrap();
        assert_eq!((w.pid, w.status), (2, 42 << 8), "got {:?}", w);
        assert!(!f.k.procs.contains_key(&c), "reaped");
        assert_eq!(
            f.k.wait(Some(init), P_ALL, 0, 0, false),
            Err(Errno::ECHILD),
            "no children left"
        );
    }

    #[test]
    fn killed_child_status_table() {
        let cases: &[(&str, u32, bool, i32, i32)] = &[
            ("SIGKILL", SIGKILL, false, 9, CLD_KILLED),
            ("SIGTERM", SIGTERM, false, 15, CLD_KILLED),
            ("SIGSEGV with core", 11, true, 0x8b, CLD_DUMPED),
        ];
        for (name, sig, core, st, code) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            let c = f.fork(init);
            f.k.exit_signaled(c, *sig, *core).unwrap();
            let w = f.k.wait(Some(init), P_PID, 2, WEXITED, true).unwrap();
            assert_eq!((w.status, w.code), (*st, *code), "{}: got {:?}", name, w);
        }
    }

    #[test]
    fn wuntraced_and_wcontinued_reports() {
        // waitpid(2): WUNTRACED reports a stop once; WCONTINUED reports a continue once.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.kill(Some(init), 2, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        assert_eq!(
            f.k.wait(Some(init), P_ALL, 0, WNOHANG, false).unwrap().pid,
            0,
            "no WUNTRACED: not reported"
        );
        let w = f.k.wait(Some(init), P_ALL, 0, WSTOPPED, false).unwrap();
        assert_eq!(w.status, 0x137f, "stopped by SIGSTOP: got {:#x}", w.status);
        assert_eq!(
            f.k.wait(Some(init), P_ALL, 0, WSTOPPED | WNOHANG, false)
                .unwrap()
                .pid,
            0,
            "reported once"
        );
        f.k.kill(Some(init), 2, SIGCONT).unwrap();
        let w = f.k.wait(Some(init), P_ALL, 0, WCONTINUED, false).unwrap();
        assert_eq!(w.status, 0xffff, "continued: got {:#x}", w.status);
    }

    #[test]
    fn host_waits_for_parentless_processes() {
        let mut f = Fixture::new();
        let init = f.init();
        assert_eq!(
            f.k.wait(None, P_ALL, 0, WNOHANG, false).unwrap().pid,
            0,
            "init alive: not ready"
        );
        f.k.exit(init, 0).unwrap();
        let w = f.k.wait(None, P_PID, 1, 0, false).unwrap();
        assert_eq!(w.pid, 1);
        assert_eq!(f.k.wait(None, P_ALL, 0, 0, false), Err(Errno::ECHILD));
        assert_eq!(
            f.k.wait(None, P_PGID, 0, 0, false),
            Err(Errno::EINVAL),
            "host has no group"
        );
    }

    #[test]
    fn wait_from_nested_namespace_sees_local_pids() {
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, crate::spawn::SPAWN_NEW_NS, 0).unwrap();
        let c = f.fork(nsinit);
        f.k.exit(c, 0).unwrap();
        let w = f.k.wait(Some(nsinit), P_PID, 2, 0, false).unwrap();
        assert_eq!(
            w.pid, 2,
            "child seen as 2 inside the namespace, got {}",
            w.pid
        );
    }

    #[test]
    fn wnowait_on_stopped_child_keeps_report() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        let w =
            f.k.wait(Some(init), P_ALL, 0, WSTOPPED | WNOWAIT, true)
                .unwrap();
        assert_eq!((w.pid, w.code), (2, CLD_STOPPED));
        let w = f.k.wait(Some(init), P_ALL, 0, WSTOPPED, true).unwrap();
        assert_eq!(w.pid, 2, "still reportable after WNOWAIT");
    }

    #[test]
    fn waitid_pgid_zero_is_own_group() {
        // waitid(2) since Linux 5.4: P_PGID with id 0 waits for the caller's group.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.exit(c, 0).unwrap();
        let w = f.k.wait(Some(init), P_PGID, 0, WEXITED, true).unwrap();
        assert_eq!(w.pid, 2);
        assert_eq!(
            f.k.wait(Some(init), P_PGID, -1, WEXITED, true),
            Err(Errno::EINVAL),
            "negative id"
        );
    }

    #[test]
    fn wait_by_unknown_caller_is_esrch() {
        let mut f = Fixture::new();
        let _init = f.init();
        assert_eq!(
            f.k.wait(Some(Pid(77)), P_ALL, 0, 0, false),
            Err(Errno::ESRCH)
        );
    }

    #[test]
    fn child_in_nested_namespace_is_waited_by_its_outer_parent() {
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, seen) = f.k.spawn(init, crate::spawn::SPAWN_NEW_NS, 0).unwrap();
        f.k.exit(nsinit, 0).unwrap();
        let w = f.k.wait(Some(init), P_PID, seen, 0, false).unwrap();
        assert_eq!(
            w.pid, seen,
            "parent names the child by its own-namespace view"
        );
    }

    #[test]
    fn wcontinued_report_cleared_by_new_stop() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        f.k.kill(Some(init), c.0, SIGCONT).unwrap();
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        let w =
            f.k.wait(Some(init), P_ALL, 0, WCONTINUED | WNOHANG, false)
                .unwrap();
        assert_eq!(w.pid, 0, "stopped again: no continue to report");
    }
}
