//! Controlling terminals and the foreground process group (drivers/tty/tty_jobctrl.c:
//! tiocsctty, tiocgpgrp, tiocspgrp, __tty_check_change, disassociate_ctty; tcsetpgrp(3)).
//! The terminal itself (line discipline, buffers) lives outside the core; here it is only the
//! link session ⇄ terminal ⇄ foreground group that job control needs.

use crate::credentials::CAP_SYS_ADMIN;
use crate::errno::Errno;
use crate::ids::{Pgid, Pid, Sid, TtyHandle};
use crate::kernel::Kernel;
use crate::pid_namespace::USE_TTY_FG;
use crate::signals::{Handler, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU};

/// tty->ctrl: the session the terminal controls and its foreground group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tty {
    pub session: Option<Sid>,
    pub fg: Option<Pgid>,
}

impl Kernel {
    /// The controlling terminal of a process (its session's, unless it detached).
    pub fn ctty_of(&self, pid: Pid) -> Option<TtyHandle> {
        let p = self.procs.get(&pid)?;
        if p.tty_detached {
            return None;
        }
        self.sessions.get(&p.sid).and_then(|s| s.tty)
    }

    /// Drops the session ⇄ terminal link from the terminal's side.
    pub(crate) fn tty_unlink(&mut self, tty: TtyHandle) {
        if let Some(t) = self.ttys.remove(&tty) {
            if let Some(s) = t.session.and_then(|s| self.sessions.get_mut(&s)) {
                s.tty = None;
            }
            if let Some(fg) = t.fg {
                self.pid_unuse(fg.as_pid(), USE_TTY_FG);
            }
        }
    }

    /// Points the terminal's foreground at `pgid`, holding the group's number so that it is not
    /// reused while the terminal names it (as tty->ctrl.pgrp holds a struct pid reference).
    fn set_foreground(&mut self, tty: TtyHandle, pgid: Pgid) {
        let old = self.ttys.get_mut(&tty).and_then(|t| t.fg.replace(pgid));
        self.pid_use(pgid.as_pid(), USE_TTY_FG);
        if let Some(o) = old.filter(|&o| o != pgid) {
            self.pid_unuse(o.as_pid(), USE_TTY_FG);
        }
    }

    /// TIOCSCTTY: a session leader without a terminal takes `tty`; EPERM for a non-leader or a
    /// leader that already has one; EPERM if the terminal controls another session unless
    /// `steal` and CAP_SYS_ADMIN. Already ours: success, nothing changes.
    pub fn tty_attach(&mut self, caller: Pid, tty: TtyHandle, steal: bool) -> Result<(), Errno> {
        let p = self.proc(caller)?;
        let (sid, pgid, leader, admin) = (
            p.sid,
            p.pgid,
            p.is_session_leader(),
            p.creds.capable(CAP_SYS_ADMIN),
        );
        let cur = self.ttys.get(&tty).copied();
        if leader && cur.and_then(|t| t.session) == Some(sid) {
            return Ok(());
        }
        if !leader || self.sessions.get(&sid).and_then(|s| s.tty).is_some() {
            return Err(Errno::EPERM);
        }
        if cur.and_then(|t| t.session).is_some() {
            if !(steal && admin) {
                return Err(Errno::EPERM);
            }
            self.tty_unlink(tty);
        }
        self.ttys.insert(
            tty,
            Tty {
                session: Some(sid),
                fg: Some(pgid),
            },
        );
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.tty = Some(tty);
        }
        if let Ok(p) = self.proc_mut(caller) {
            p.tty_detached = false;
        }
        Ok(())
    }

    /// TIOCNOTTY / disassociate_ctty(0): a session leader drops the terminal for the whole
    /// session and its foreground group gets SIGHUP and SIGCONT; another member only stops
    /// having it. ENOTTY without a controlling terminal.
    pub fn tty_detach(&mut self, caller: Pid) -> Result<(), Errno> {
        let tty = self.ctty_of(caller).ok_or(Errno::ENOTTY)?;
        if self.proc(caller)?.is_session_leader() {
            self.session_hangup(tty, true);
        } else {
            self.proc_mut(caller)?.tty_detached = true;
        }
        Ok(())
    }

    /// The session leader's exit (kernel/exit.c:do_exit → disassociate_ctty(1)): as for a pty,
    /// the foreground group gets SIGHUP, then the session loses its terminal.
    pub(crate) fn session_leader_exit(&mut self, leader: Pid) {
        let tty = match self.ctty_of(leader) {
            Some(t) => t,
            None => return,
        };
        self.session_hangup(tty, false);
    }

    fn session_hangup(&mut self, tty: TtyHandle, and_cont: bool) {
        if let Some(fg) = self.ttys.get(&tty).and_then(|t| t.fg) {
            self.signal_pgrp_from_kernel(fg, SIGHUP);
            if and_cont {
                self.signal_pgrp_from_kernel(fg, SIGCONT);
            }
        }
        self.tty_unlink(tty);
    }

    /// tcgetpgrp(3) (TIOCGPGRP): ENOTTY unless `tty` is the caller's controlling terminal; the
    /// group number as the caller sees it (0 when there is none).
    pub fn tcgetpgrp(&self, caller: Pid, tty: TtyHandle) -> Result<i32, Errno> {
        if self.ctty_of(caller) != Some(tty) {
            return Err(Errno::ENOTTY);
        }
        let fg = self.ttys.get(&tty).and_then(|t| t.fg);
        Ok(fg.map_or(0, |g| self.vnr(Some(caller), g.as_pid())))
    }

    /// __tty_check_change: a background process touching its terminal gets `sig` (SIGTTOU for
    /// writes and tcsetpgrp, SIGTTIN for reads) sent to its whole group and ERESTARTSYS; if it
    /// ignores or blocks the signal the call proceeds (reads: EIO); an orphaned group gets EIO.
    pub fn tty_check(&mut self, caller: Pid, tty: TtyHandle, sig: u32) -> Result<(), Errno> {
        if sig != SIGTTIN && sig != SIGTTOU {
            return Err(Errno::EINVAL);
        }
        if self.ctty_of(caller) != Some(tty) {
            return Ok(());
        }
        let p = self.proc(caller)?;
        let pgid = p.pgid;
        let fg = self.ttys.get(&tty).and_then(|t| t.fg);
        match fg {
            Some(fg) if fg != pgid => {
                let ignored = p.signals.blocked.contains(sig)
                    || p.signals.action(sig).handler == Handler::Ignore;
                if ignored {
                    if sig == SIGTTIN {
                        return Err(Errno::EIO);
                    }
                    Ok(())
                } else if self.will_become_orphaned(pgid, None) {
                    Err(Errno::EIO)
                } else {
                    self.signal_pgrp_from_kernel(pgid, sig);
                    Err(Errno::ERESTARTSYS)
                }
            }
            _ => Ok(()),
        }
    }

    /// tcsetpgrp(3) (TIOCSPGRP): the job-control check first (EIO from it reads ENOTTY, as
    /// tiocspgrp maps it); EINVAL pgid < 0; ENOTTY not the caller's terminal; ESRCH no such
    /// group; EPERM a group of another session.
    pub fn tcsetpgrp(&mut self, caller: Pid, tty: TtyHandle, pgid_nr: i32) -> Result<(), Errno> {
        match self.tty_check(caller, tty, SIGTTOU) {
            Err(Errno::EIO) => return Err(Errno::ENOTTY),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if pgid_nr < 0 {
            return Err(Errno::EINVAL);
        }
        if self.ctty_of(caller) != Some(tty) {
            return Err(Errno::ENOTTY);
        }
        let sid = self.proc(caller)?.sid;
        let rec = self
            .lookup(self.view_of(Some(caller)), pgid_nr)
            .ok_or(Errno::ESRCH)?;
        let g = self.pgrps.get(&Pgid(rec.0)).ok_or(Errno::ESRCH)?;
        if g.sid != sid {
            return Err(Errno::EPERM);
        }
        self.set_foreground(tty, Pgid(rec.0));
        Ok(())
    }

    /// The foreground group of `pid`'s controlling terminal (root numbering), for the Loader
    /// (runsc's "signal the foreground process group" of a container's TTY).
    pub fn tty_foreground(&self, pid: Pid) -> Result<(TtyHandle, Pgid), Errno> {
        self.proc(pid)?;
        let tty = self.ctty_of(pid).ok_or(Errno::ENOTTY)?;
        let fg = self.ttys.get(&tty).and_then(|t| t.fg).ok_or(Errno::ESRCH)?;
        Ok((tty, fg))
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::ids::TtyHandle;
    use crate::signals::{Handler, SIGTTOU};
    use crate::testutil::*;

    const T: TtyHandle = TtyHandle(3);

    #[test]
    fn tiocsctty_table() {
        // tty_ioctl(4) TIOCSCTTY.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        assert_eq!(
            f.k.tty_attach(c, T, false),
            Err(Errno::EPERM),
            "non-leader: want EPERM"
        );
        assert_eq!(
            f.k.tty_attach(init, T, false),
            Ok(()),
            "leader takes a free terminal"
        );
        assert_eq!(
            f.k.tty_attach(init, T, false),
            Ok(()),
            "already ours: no-op success"
        );
        assert_eq!(
            f.k.tty_attach(init, TtyHandle(4), false),
            Err(Errno::EPERM),
            "second terminal: EPERM"
        );
        let other = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
        assert_eq!(
            f.k.tty_attach(other, T, false),
            Err(Errno::EPERM),
            "terminal of another session: EPERM"
        );
        assert_eq!(
            f.k.tty_attach(other, T, true),
            Ok(()),
            "steal with CAP_SYS_ADMIN"
        );
        assert_eq!(f.k.ctty_of(init), None, "the old session lost it");
    }

    #[test]
    fn tcsetpgrp_table() {
        // tcsetpgrp(3) ERRORS.
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, T, false).unwrap();
        let job = f.fork(init);
        f.k.setpgid(init, 2, 0).unwrap();
        let stranger = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
        let cases: &[(&str, crate::ids::Pid, TtyHandle, i32, Result<(), Errno>)] = &[
            ("EINVAL: negative pgid", init, T, -1, Err(Errno::EINVAL)),
            (
                "ENOTTY: not our terminal",
                init,
                TtyHandle(9),
                1,
                Err(Errno::ENOTTY),
            ),
            (
                "ENOTTY: caller has no terminal",
                stranger,
                T,
                1,
                Err(Errno::ENOTTY),
            ),
            ("ESRCH: no such group", init, T, 55, Err(Errno::ESRCH)),
            (
                "EPERM: group of another session",
                init,
                T,
                3,
                Err(Errno::EPERM),
            ),
            ("ok: foreground to the job", init, T, 2, Ok(())),
        ];
        for (name, caller, tty, pg, want) in cases {
            let got = f.k.tcsetpgrp(*caller, *tty, *pg);
            assert_eq!(
                &got, want,
                "tcsetpgrp {}: got {:?}, want {:?}",
                name, got, want
            );
        }
        assert_eq!(f.k.tcgetpgrp(job, T), Ok(2));
        assert_eq!(f.k.tcgetpgrp(stranger, T), Err(Errno::ENOTTY));
    }

    #[test]
    fn background_tcsetpgrp_sends_sigttou() {
        // __tty_check_change: a background caller's group gets SIGTTOU, the call restarts.
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, T, false).unwrap();
        let bg = f.fork(init);
        f.k.setpgid(bg, 0, 0).unwrap();
        f.catch(bg, SIGTTOU);
        let got = f.k.tcsetpgrp(bg, T, 2);
        assert_eq!(
            got,
            Err(Errno::ERESTARTSYS),
            "got {:?}, want ERESTARTSYS",
            got
        );
        assert!(
            f.k.proc(bg).unwrap().signals.pending.contains(SIGTTOU),
            "SIGTTOU pending"
        );
    }

    #[test]
    fn background_tcsetpgrp_allowed_when_sigttou_ignored_or_blocked() {
        for block in [false, true] {
            let mut f = Fixture::new();
            let init = f.init();
            f.k.tty_attach(init, T, false).unwrap();
            let bg = f.fork(init);
            f.k.setpgid(bg, 0, 0).unwrap();
            if block {
                f.k.sigprocmask(bg, 0, Some(crate::signals::SigSet::of(SIGTTOU)))
                    .unwrap();
            } else {
                f.set_handler(bg, SIGTTOU, Handler::Ignore);
            }
            let got = f.k.tcsetpgrp(bg, T, 2);
            assert_eq!(got, Ok(()), "block={}: got {:?}, want Ok", block, got);
            assert_eq!(f.k.tcgetpgrp(init, T), Ok(2));
        }
    }

    #[test]
    fn background_read_gets_sigttin_or_eio() {
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, T, false).unwrap();
        let bg = f.fork(init);
        f.k.setpgid(bg, 0, 0).unwrap();
        f.catch(bg, crate::signals::SIGTTIN);
        assert_eq!(
            f.k.tty_check(bg, T, crate::signals::SIGTTIN),
            Err(Errno::ERESTARTSYS)
        );
        f.set_handler(bg, crate::signals::SIGTTIN, Handler::Ignore);
        assert_eq!(
            f.k.tty_check(bg, T, crate::signals::SIGTTIN),
            Err(Errno::EIO),
            "ignored SIGTTIN: read gets EIO"
        );
        assert_eq!(
            f.k.tty_check(init, T, crate::signals::SIGTTIN),
            Ok(()),
            "foreground reads"
        );
    }

    #[test]
    fn session_leader_exit_hangs_up_foreground() {
        let mut f = Fixture::new();
        let init = f.init();
        let lead = f.spawn_flags(init, crate::spawn::SPAWN_NEW_SESSION, 0);
        f.k.tty_attach(lead, T, false).unwrap();
        let fg = f.fork(lead);
        f.k.setpgid(lead, f.nr(fg), 0).unwrap();
        f.k.tcsetpgrp(lead, T, f.nr(fg)).unwrap();
        f.catch(fg, crate::signals::SIGHUP);
        f.k.exit(lead, 0).unwrap();
        assert!(
            f.k.proc(fg)
                .unwrap()
                .signals
                .pending
                .contains(crate::signals::SIGHUP),
            "fg group got SIGHUP"
        );
        assert_eq!(f.k.ctty_of(fg), None, "session lost its terminal");
        assert!(f.k.ttys.is_empty(), "terminal link freed");
    }

    #[test]
    fn tty_foreground_reports_group() {
        let mut f = Fixture::new();
        let init = f.init();
        assert_eq!(f.k.tty_foreground(init), Err(Errno::ENOTTY));
        f.k.tty_attach(init, T, false).unwrap();
        assert_eq!(f.k.tty_foreground(init), Ok((T, init.as_pgid())));
        assert_eq!(f.k.tty_detach(init), Ok(()));
        assert_eq!(f.k.tty_foreground(init), Err(Errno::ENOTTY));
    }

    #[test]
    fn non_leader_detach_only_affects_itself() {
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, T, false).unwrap();
        let c = f.fork(init);
        assert_eq!(f.k.tty_detach(c), Ok(()));
        assert_eq!(f.k.ctty_of(c), None);
        assert_eq!(f.k.ctty_of(init), Some(T), "the session keeps it");
        assert_eq!(
            f.k.tty_detach(c),
            Err(Errno::ENOTTY),
            "nothing left to detach"
        );
    }

    #[test]
    fn tty_check_rejects_non_job_control_signals() {
        let mut f = Fixture::new();
        let init = f.init();
        assert_eq!(
            f.k.tty_check(init, T, crate::signals::SIGINT),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            f.k.tty_check(init, T, SIGTTOU),
            Ok(()),
            "not its terminal: no job control"
        );
    }

    #[test]
    fn foreground_group_number_is_held_while_the_terminal_names_it() {
        // tty->ctrl.pgrp holds a reference: the number is not reused after the group empties.
        let mut f = Fixture::new();
        let init = f.init();
        f.k.tty_attach(init, T, false).unwrap();
        let job = f.fork(init);
        f.k.setpgid(init, f.nr(job), 0).unwrap();
        f.k.tcsetpgrp(init, T, f.nr(job)).unwrap();
        f.exit_reap(job, 0);
        assert_eq!(
            f.k.tcgetpgrp(init, T),
            Ok(job.0),
            "still names the old group"
        );
        let next = f.fork(init);
        assert_ne!(next, job, "the held number is skipped");
        // A shell takes the terminal back with SIGTTOU blocked, as bash's give_terminal_to does.
        f.k.sigprocmask(init, 0, Some(crate::signals::SigSet::of(SIGTTOU)))
            .unwrap();
        f.k.tcsetpgrp(init, T, 1).unwrap();
        assert!(
            !f.k.pids.contains_key(&job),
            "released when the terminal moves on"
        );
    }
}
