//! Sending, permission, coalescing, queueing and dequeueing signals (kernel/signal.c:
//! kill_something_info, check_kill_permission, prepare_signal, __send_signal_locked,
//! complete_signal, get_signal, do_sigaction, sigprocmask, do_sigpending).

use crate::errno::Errno;
use crate::events::Event;
use crate::ids::{Pgid, Pid};
use crate::kernel::Kernel;
use crate::process::{status, ProcState, QueuedSignal};
use crate::rlimits::RLIMIT_CORE;
use crate::signals::{
    self, default_action, handler_ignores, is_realtime, is_stop, kernel_only, DefaultAction,
    Handler, SigAction, SigSet, CLD_CONTINUED, CLD_STOPPED, SA_KNOWN, SA_NOCLDSTOP, SA_NODEFER,
    SA_RESETHAND, SIGCHLD, SIGCONT, SIGKILL, SIGSTOP, SI_KERNEL, SI_TKILL, SI_USER, STOP_SIGNALS,
    SYNCHRONOUS, UNBLOCKABLE,
};

/// sigprocmask's `how`.
pub const SIG_BLOCK: i32 = 0;
pub const SIG_UNBLOCK: i32 = 1;
pub const SIG_SETMASK: i32 = 2;

/// What the process must do next, as get_signal decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing deliverable (or the process is stopped or dead).
    None,
    /// Run handler `handler` for `sig`; restore `old_mask` at sigreturn. `sender` is the
    /// sender's pid as the receiver sees it (si_pid), `code` si_code.
    Handler {
        sig: u32,
        handler: u32,
        flags: u32,
        old_mask: SigSet,
        code: i32,
        sender: i32,
        uid: u32,
        status: i32,
    },
    /// The process was killed by `sig` (it is a zombie now).
    Terminate { sig: u32, core: bool },
    /// The process stopped.
    Stop { sig: u32 },
}

impl Kernel {
    /// kill(2). `sender` None is the host (always permitted, sees the root namespace).
    /// Selectors: pid > 0 one process; 0 the caller's group; -1 every process the caller may
    /// see except its namespace's init and itself; < -1 the group -pid. Signal 0 only checks.
    pub fn kill(&mut self, sender: Option<Pid>, pid: i32, sig: u32) -> Result<(), Errno> {
        // The target is found before the signal is checked, as Linux's kill_pid_info finds the
        // task and only then group_send_sig_info rejects an invalid signal: kill(gone, 99) is
        // ESRCH, not EINVAL.
        let bad_sig = sig > signals::NSIG;
        if let Some(s) = sender {
            if self.proc(s)?.is_zombie() {
                return Err(Errno::ESRCH);
            }
        }
        if pid > 0 {
            let t = self.find_task(sender, pid).ok_or(Errno::ESRCH)?;
            if bad_sig {
                return Err(Errno::EINVAL);
            }
            return self.group_send(sender, t, sig, SI_USER);
        }
        if pid == -1 {
            if bad_sig {
                return Err(Errno::EINVAL);
            }
            return self.kill_all(sender, sig);
        }
        if pid == i32::MIN {
            return Err(Errno::ESRCH);
        }
        let pgid = if pid == 0 {
            match sender {
                Some(s) => self.proc(s)?.pgid,
                None => return Err(Errno::EINVAL),
            }
        } else {
            let rec = self
                .lookup(self.view_of(sender), -pid)
                .ok_or(Errno::ESRCH)?;
            Pgid(rec.0)
        };
        if bad_sig {
            return Err(Errno::EINVAL);
        }
        self.kill_pgrp(sender, pgid, sig)
    }

    /// tkill(2)/tgkill(2) to one process: EINVAL for pid <= 0.
    pub fn tkill(&mut self, sender: Option<Pid>, pid: i32, sig: u32) -> Result<(), Errno> {
        if pid <= 0 || sig > signals::NSIG {
            return Err(Errno::EINVAL);
        }
        let t = self.find_task(sender, pid).ok_or(Errno::ESRCH)?;
        self.group_send(sender, t, sig, SI_TKILL)
    }

    /// __kill_pgrp_info: success if any member got it; otherwise the last error (ESRCH for an
    /// empty or unknown group).
    fn kill_pgrp(&mut self, sender: Option<Pid>, pgid: Pgid, sig: u32) -> Result<(), Errno> {
        let mut result = Err(Errno::ESRCH);
        let mut success = false;
        for m in self.pgrp_members(pgid) {
            match self.group_send(sender, m, sig, SI_USER) {
                Ok(()) => success = true,
                Err(e) => result = Err(e),
            }
        }
        if success {
            Ok(())
        } else {
            result
        }
    }

    /// kill(-1): EPERM failures are ignored; ESRCH only if there was nobody to signal.
    fn kill_all(&mut self, sender: Option<Pid>, sig: u32) -> Result<(), Errno> {
        let view = self.view_of(sender);
        let targets: Vec<Pid> = self
            .procs
            .keys()
            .copied()
            .filter(|&p| {
                let nr = self.translate(p, view);
                nr > 0 && (sender.is_none() || (nr > 1 && Some(p) != sender))
            })
            .collect();
        if targets.is_empty() {
            return Err(Errno::ESRCH);
        }
        let mut ret = Ok(());
        for t in targets {
            if let Err(e) = self.group_send(sender, t, sig, SI_USER) {
                if e != Errno::EPERM {
                    ret = Err(e);
                }
            }
        }
        ret
    }

    /// check_kill_permission + send: EPERM unless the credentials allow it or it is SIGCONT
    /// within the sender's session.
    fn group_send(
        &mut self,
        sender: Option<Pid>,
        target: Pid,
        sig: u32,
        code: i32,
    ) -> Result<(), Errno> {
        if let Some(s) = sender {
            let sp = self.proc(s)?;
            let tp = self.proc(target)?;
            let same_session_cont = sig == SIGCONT && sp.sid == tp.sid;
            if !(sp.creds.may_signal(&tp.creds) || same_session_cont) {
                return Err(Errno::EPERM);
            }
        }
        if sig != 0 {
            self.send_user_signal(sender, target, sig, code);
        }
        Ok(())
    }

    /// A signal from a process or the host. `force` as send_signal_locked computes it: the
    /// sender is not visible in the target's namespace (an ancestor namespace, or the host),
    /// which lets SIGKILL/SIGSTOP through to a namespace's init.
    pub(crate) fn send_user_signal(
        &mut self,
        sender: Option<Pid>,
        target: Pid,
        sig: u32,
        code: i32,
    ) {
        let tns = match self.procs.get(&target) {
            Some(t) => t.ns,
            None => return,
        };
        let (force, uid) = match sender {
            None => (true, 0),
            Some(s) => (
                self.translate(s, tns) == 0,
                self.procs.get(&s).map_or(0, |p| p.creds.ruid.0),
            ),
        };
        let q = QueuedSignal {
            sig,
            code,
            sender: sender.unwrap_or(Pid(0)),
            uid,
            status: 0,
        };
        self.send_signal(target, q, force);
    }

    /// A signal the kernel itself sends (SIGCHLD, SIGHUP/SIGCONT to orphaned groups, SIGTTOU):
    /// SEND_SIG_PRIV, so force is set.
    pub(crate) fn send_kernel_signal(
        &mut self,
        target: Pid,
        sig: u32,
        code: i32,
        from: Pid,
        uid: u32,
        st: i32,
    ) {
        let q = QueuedSignal {
            sig,
            code,
            sender: from,
            uid,
            status: st,
        };
        self.send_signal(target, q, true);
    }

    pub(crate) fn signal_pgrp_from_kernel(&mut self, pgid: Pgid, sig: u32) {
        for m in self.pgrp_members(pgid) {
            self.send_kernel_signal(m, sig, SI_KERNEL, Pid(0), 0, 0);
        }
    }

    /// sig_ignored: a blocked signal is never ignored at send; a namespace's init ignores
    /// default-action signals unless forced SIGKILL/SIGSTOP from an ancestor; otherwise
    /// SIG_IGN or a default action of "ignore".
    fn ignored_at_send(&self, target: Pid, sig: u32, force: bool) -> bool {
        let t = match self.procs.get(&target) {
            Some(t) => t,
            None => return true,
        };
        if t.signals.blocked.contains(sig) {
            return false;
        }
        let a = t.signals.action(sig);
        if t.unkillable && a.handler == Handler::Default && !(force && kernel_only(sig)) {
            return true;
        }
        handler_ignores(a, sig)
    }

    /// prepare_signal + __send_signal_locked + complete_signal.
    fn send_signal(&mut self, target: Pid, q: QueuedSignal, force: bool) {
        let sig = q.sig;
        let stopped = match self.procs.get_mut(&target) {
            Some(t) if !t.is_zombie() => {
                if is_stop(sig) {
                    t.signals.flush(SigSet::of(SIGCONT));
                }
                t.state == ProcState::Stopped
            }
            _ => return,
        };
        if sig == SIGCONT {
            // SIGCONT resumes even if blocked or ignored, and discards pending stop signals.
            if let Ok(t) = self.proc_mut(target) {
                t.signals.flush(STOP_SIGNALS);
            }
            if stopped {
                if let Ok(t) = self.proc_mut(target) {
                    t.state = ProcState::Running;
                    t.stop_report = 0;
                    t.cont_report = true;
                }
                self.emit(Event::Continue { pid: target });
                self.notify_parent_cldstop(target, CLD_CONTINUED, SIGCONT);
            }
        }
        if self.ignored_at_send(target, sig, force) {
            return;
        }
        let t = match self.procs.get_mut(&target) {
            Some(t) if !t.is_zombie() => t,
            _ => return,
        };
        if !is_realtime(sig) && t.signals.pending.contains(sig) {
            return; // legacy_queue: a standard signal coalesces.
        }
        // kill() queues past RLIMIT_SIGPENDING in Linux (override_rlimit for SI_USER/kernel
        // senders); sigqueue(3), the only caller that would fail with EAGAIN, is not modelled.
        t.signals.queue.push(q);
        t.signals.pending.add(sig);
        if t.signals.blocked.contains(sig) {
            return;
        }
        // complete_signal's short cut: a fatal default action kills at once (a stopped process
        // is spared until continued, except for SIGKILL, as wants_signal decides). Core-dump
        // signals go through get_signal, as in Linux. Linux also skips the short cut when the
        // task is off-CPU with other signals pending (wants_signal's task_curr test); the core has
        // no notion of "on CPU", so the outcome is the same death, only earlier.
        let a = *t.signals.action(sig);
        let fatal = a.handler == Handler::Default
            && default_action(sig) == DefaultAction::Term
            && (sig == SIGKILL || !stopped);
        if fatal {
            self.kill_now(target, sig, false);
        } else {
            self.emit(Event::SignalPending { pid: target });
        }
    }

    /// do_notify_parent_cldstop: SIGCHLD with CLD_STOPPED/CLD_CONTINUED unless the parent set
    /// SA_NOCLDSTOP; its waiters are woken either way.
    pub(crate) fn notify_parent_cldstop(&mut self, child: Pid, code: i32, sig: u32) {
        let (parent, uid) = match self.procs.get(&child) {
            Some(c) => (c.parent, c.creds.ruid.0),
            None => return,
        };
        match parent.and_then(|p| self.procs.get(&p)) {
            Some(pp) => {
                let ppid = pp.pid;
                if pp.signals.action(SIGCHLD).flags & SA_NOCLDSTOP == 0 {
                    self.send_kernel_signal(ppid, SIGCHLD, code, child, uid, sig as i32);
                }
                self.emit(Event::ChildStateChanged { parent: ppid });
            }
            None => self.emit(Event::ChildStateChanged { parent: Pid(0) }),
        }
    }

    /// rt_sigaction: EINVAL for an invalid signal or for changing SIGKILL/SIGSTOP. SIGKILL and
    /// SIGSTOP are removed from the handler mask. Setting SIG_IGN (or SIG_DFL where the
    /// default is to ignore) discards the pending signal (POSIX 3.3.1.3).
    pub fn sigaction(
        &mut self,
        pid: Pid,
        sig: u32,
        new: Option<SigAction>,
    ) -> Result<SigAction, Errno> {
        if !signals::valid(sig) || (new.is_some() && kernel_only(sig)) {
            return Err(Errno::EINVAL);
        }
        let p = self.proc_mut(pid)?;
        let old = *p.signals.action(sig);
        if let Some(mut a) = new {
            a.mask = a.mask.without(UNBLOCKABLE);
            a.flags &= SA_KNOWN;
            p.signals.actions[(sig - 1) as usize] = a;
            if handler_ignores(&a, sig) {
                p.signals.flush(SigSet::of(sig));
            }
        }
        Ok(old)
    }

    /// rt_sigprocmask. SIGKILL and SIGSTOP are silently never blocked. Unblocking a pending
    /// signal makes it deliverable (SignalPending).
    pub fn sigprocmask(
        &mut self,
        pid: Pid,
        how: i32,
        set: Option<SigSet>,
    ) -> Result<SigSet, Errno> {
        let p = self.proc_mut(pid)?;
        let old = p.signals.blocked;
        if let Some(s) = set {
            let new = match how {
                SIG_BLOCK => old.union(s),
                SIG_UNBLOCK => old.without(s),
                SIG_SETMASK => s,
                _ => return Err(Errno::EINVAL),
            };
            self.set_blocked(pid, new);
        }
        Ok(old)
    }

    /// rt_sigreturn's mask restore.
    pub fn sigreturn(&mut self, pid: Pid, mask: SigSet) -> Result<(), Errno> {
        self.proc(pid)?;
        self.set_blocked(pid, mask);
        Ok(())
    }

    fn set_blocked(&mut self, pid: Pid, mask: SigSet) {
        let wake = match self.procs.get_mut(&pid) {
            Some(p) => {
                p.signals.blocked = mask.without(UNBLOCKABLE);
                !p.is_zombie() && !p.signals.pending.without(p.signals.blocked).is_empty()
            }
            None => false,
        };
        if wake {
            self.emit(Event::SignalPending { pid });
        }
    }

    /// sigpending(2): pending signals that are blocked (do_sigpending).
    pub fn sigpending(&self, pid: Pid) -> Result<SigSet, Errno> {
        let p = self.proc(pid)?;
        Ok(p.signals.pending.intersect(p.signals.blocked))
    }

    /// get_signal: take the next deliverable signal (synchronous ones first, then the lowest
    /// number; real-time instances in order) and decide: ignore it and look again, run a
    /// handler (blocking sa_mask and, unless SA_NODEFER, the signal; SA_RESETHAND restores
    /// SIG_DFL), stop (not for SIGTSTP/SIGTTIN/SIGTTOU in an orphaned group), or die.
    pub fn dequeue(&mut self, pid: Pid) -> Result<Delivery, Errno> {
        loop {
            let p = self.proc_mut(pid)?;
            if p.is_zombie() || p.state == ProcState::Stopped {
                return Ok(Delivery::None);
            }
            let ready = p.signals.pending.without(p.signals.blocked);
            let sig = match ready
                .intersect(SYNCHRONOUS)
                .first()
                .or_else(|| ready.first())
            {
                Some(s) => s,
                None => return Ok(Delivery::None),
            };
            let idx = p.signals.queue.iter().position(|q| q.sig == sig);
            let info = idx.map(|i| p.signals.queue.remove(i));
            if !p.signals.queue.iter().any(|q| q.sig == sig) {
                p.signals.pending.remove(sig);
            }
            let info = info.unwrap_or(QueuedSignal {
                sig,
                code: SI_KERNEL,
                sender: Pid(0),
                uid: 0,
                status: 0,
            });
            let a = *p.signals.action(sig);
            match a.handler {
                Handler::Ignore => continue,
                Handler::Catch(h) => {
                    let old = p.signals.blocked;
                    let mut m = old.union(a.mask);
                    if a.flags & SA_NODEFER == 0 {
                        m.add(sig);
                    }
                    p.signals.blocked = m.without(UNBLOCKABLE);
                    if a.flags & SA_RESETHAND != 0 {
                        p.signals.actions[(sig - 1) as usize] = SigAction::DEFAULT;
                    }
                    let ns = p.ns;
                    let sender = if info.sender.0 == 0 {
                        0
                    } else {
                        self.translate(info.sender, ns)
                    };
                    return Ok(Delivery::Handler {
                        sig,
                        handler: h,
                        flags: a.flags,
                        old_mask: old,
                        code: info.code,
                        sender,
                        uid: info.uid,
                        status: info.status,
                    });
                }
                Handler::Default => {}
            }
            let unkillable = p.unkillable;
            let core_limit = p.rlimits.0[RLIMIT_CORE as usize].cur;
            let pgid = p.pgid;
            match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Cont => continue,
                _ if unkillable && !kernel_only(sig) => continue,
                DefaultAction::Stop => {
                    if sig != SIGSTOP && self.will_become_orphaned(pgid, None) {
                        continue;
                    }
                    self.do_stop(pid, sig);
                    return Ok(Delivery::Stop { sig });
                }
                DefaultAction::Term | DefaultAction::Core => {
                    // The core bit is set only when a dump could be written (RLIMIT_CORE > 0).
                    let core = default_action(sig) == DefaultAction::Core && core_limit > 0;
                    self.kill_now(pid, sig, core);
                    return Ok(Delivery::Terminate { sig, core });
                }
            }
        }
    }

    /// do_signal_stop: stopped, reportable to WUNTRACED, parent told.
    fn do_stop(&mut self, pid: Pid, sig: u32) {
        if let Ok(p) = self.proc_mut(pid) {
            p.state = ProcState::Stopped;
            p.stop_report = sig;
            p.cont_report = false;
        }
        self.emit(Event::Stop { pid, sig });
        self.notify_parent_cldstop(pid, CLD_STOPPED, sig);
    }

    /// The wait status a stopped process reports (for tests and the binding).
    pub fn stop_status(sig: u32) -> i32 {
        status::stopped(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use crate::ids::{ContainerHandle, Pid};
    use crate::signals::*;
    use crate::spawn::{SPAWN_NEW_NS, SPAWN_NEW_PGRP, SPAWN_NEW_SESSION};
    use crate::testutil::*;

    fn user_init(f: &mut Fixture, uid: u32) -> Pid {
        let root = f.k.root_ns;
        f.k.spawn_init(f.c, root, 0, uid, uid).unwrap().0
    }

    #[test]
    fn kill_rejects_invalid_signal() {
        // kill(2) EINVAL: an invalid signal number.
        let mut f = Fixture::new();
        let init = f.init();
        for sig in [65u32, 100, u32::MAX] {
            assert_eq!(
                f.k.kill(Some(init), 1, sig),
                Err(Errno::EINVAL),
                "sig {}: want EINVAL",
                sig
            );
        }
    }

    #[test]
    fn kill_finds_the_target_before_checking_the_signal() {
        // As Linux: a missing process or group is ESRCH even with an invalid signal.
        let mut f = Fixture::new();
        let init = f.init();
        let cases: &[(&str, i32, u32, Result<(), Errno>)] = &[
            ("no such pid", 99, 100, Err(Errno::ESRCH)),
            ("no such group", -99, 100, Err(Errno::ESRCH)),
            ("own group, bad signal", 0, 100, Err(Errno::EINVAL)),
            ("all, bad signal", -1, 100, Err(Errno::EINVAL)),
        ];
        for (name, pid, sig, want) in cases {
            let got = f.k.kill(Some(init), *pid, *sig);
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn kill_signal_zero_probes_existence_and_permission() {
        // kill(2): "If sig is 0, then no signal is sent, but existence and permission checks
        // are still performed."
        let mut f = Fixture::new();
        let _init = f.init();
        let a = user_init(&mut f, 1000);
        let b = user_init(&mut f, 2000);
        assert_eq!(
            f.k.kill(Some(a), b.0, 0),
            Err(Errno::EPERM),
            "other uid: EPERM"
        );
        assert_eq!(
            f.k.kill(Some(a), 99, 0),
            Err(Errno::ESRCH),
            "no such pid: ESRCH"
        );
        assert_eq!(f.k.kill(Some(a), a.0, 0), Ok(()));
        assert!(
            f.k.proc(a).unwrap().signals.pending.is_empty(),
            "probe sends nothing"
        );
    }

    #[test]
    fn kill_permission_table() {
        // kill(2) EPERM / credentials(7): same real or effective uid, or CAP_KILL; SIGCONT to
        // a process of the same session is always allowed.
        let cases: &[(&str, u32, u32, u32, bool, Result<(), Errno>)] = &[
            ("same uid", 1000, 1000, SIGUSR1, false, Ok(())),
            (
                "different uid",
                1000,
                2000,
                SIGUSR1,
                false,
                Err(Errno::EPERM),
            ),
            ("root sender has CAP_KILL", 0, 2000, SIGUSR1, false, Ok(())),
            ("SIGCONT in same session", 1000, 2000, SIGCONT, true, Ok(())),
            (
                "SIGCONT in other session",
                1000,
                2000,
                SIGCONT,
                false,
                Err(Errno::EPERM),
            ),
        ];
        for (name, su, tu, sig, same_session, want) in cases {
            let mut f = Fixture::new();
            let _init = f.init();
            let s = user_init(&mut f, *su);
            let t = if *same_session {
                let t = f.fork(s);
                f.k.set_creds(t, |c| {
                    let mut n = c.clone();
                    n.ruid = crate::ids::Uid(*tu);
                    n.euid = crate::ids::Uid(*tu);
                    n.suid = crate::ids::Uid(*tu);
                    Ok(n)
                })
                .unwrap();
                t
            } else {
                user_init(&mut f, *tu)
            };
            f.catch(t, *sig);
            let got = f.k.kill(Some(s), t.0, *sig);
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn host_kill_is_always_permitted() {
        let mut f = Fixture::new();
        let _init = f.init();
        let u = user_init(&mut f, 4242);
        f.catch(u, SIGUSR1);
        assert_eq!(f.k.kill(None, u.0, SIGUSR1), Ok(()));
        assert!(f.k.proc(u).unwrap().signals.pending.contains(SIGUSR1));
    }

    #[test]
    fn kill_selector_zero_is_own_group() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.spawn_flags(init, SPAWN_NEW_PGRP, 0);
        let b = f.fork(a);
        let other = f.fork(init);
        for p in [a, b, other] {
            f.catch(p, SIGUSR1);
        }
        f.k.kill(Some(a), 0, SIGUSR1).unwrap();
        let got: Vec<bool> = [a, b, other]
            .iter()
            .map(|&p| f.k.proc(p).unwrap().signals.pending.contains(SIGUSR1))
            .collect();
        assert_eq!(
            got,
            vec![true, true, false],
            "kill(0) reaches the caller's group only"
        );
    }

    #[test]
    fn kill_negative_pid_is_that_group() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.spawn_flags(init, SPAWN_NEW_PGRP, 0);
        let b = f.fork(a);
        f.catch(a, SIGUSR2);
        f.catch(b, SIGUSR2);
        f.catch(init, SIGUSR2);
        f.k.kill(Some(init), -a.0, SIGUSR2).unwrap();
        assert!(f.k.proc(b).unwrap().signals.pending.contains(SIGUSR2));
        assert!(!f.k.proc(init).unwrap().signals.pending.contains(SIGUSR2));
        assert_eq!(
            f.k.kill(Some(init), -77, SIGUSR2),
            Err(Errno::ESRCH),
            "no such group"
        );
        assert_eq!(
            f.k.kill(Some(init), i32::MIN, SIGUSR2),
            Err(Errno::ESRCH),
            "INT_MIN is ESRCH"
        );
    }

    #[test]
    fn kill_group_all_eperm_is_eperm() {
        // __kill_pgrp_info: the last error when no member could be signalled.
        let mut f = Fixture::new();
        let _init = f.init();
        let a = user_init(&mut f, 1000);
        let b = user_init(&mut f, 2000);
        assert_eq!(f.k.kill(Some(a), -b.0, SIGUSR1), Err(Errno::EPERM));
    }

    #[test]
    fn kill_minus_one_skips_init_and_self() {
        // kill(2): pid -1 signals every process the caller may signal except init (1) and itself.
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        let b = f.fork(init);
        for p in [init, a, b] {
            f.catch(p, SIGUSR1);
        }
        f.k.kill(Some(a), -1, SIGUSR1).unwrap();
        let got: Vec<bool> = [init, a, b]
            .iter()
            .map(|&p| f.k.proc(p).unwrap().signals.pending.contains(SIGUSR1))
            .collect();
        assert_eq!(got, vec![false, false, true], "got {:?}", got);
    }

    #[test]
    fn kill_minus_one_ignores_eperm_and_esrch_when_alone() {
        let mut f = Fixture::new();
        let _init = f.init();
        let a = user_init(&mut f, 1000);
        let _b = user_init(&mut f, 2000);
        assert_eq!(
            f.k.kill(Some(a), -1, SIGUSR1),
            Ok(()),
            "EPERM targets are skipped"
        );
        let mut g = Fixture::new();
        let only = g.init();
        assert_eq!(
            g.k.kill(Some(only), -1, SIGUSR1),
            Err(Errno::ESRCH),
            "nobody else: ESRCH"
        );
    }

    #[test]
    fn kill_minus_one_is_limited_to_the_callers_namespace() {
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        let inside = f.fork(nsinit);
        let outside = f.fork(init);
        f.catch(outside, SIGUSR1);
        f.catch(inside, SIGUSR1);
        f.k.kill(Some(inside), -1, SIGUSR1).unwrap_err();
        assert!(
            f.k.proc(outside).unwrap().signals.pending.is_empty(),
            "outside not visible"
        );
    }

    #[test]
    fn standard_signals_coalesce_realtime_queue() {
        // signal(7): standard signals are not queued; real-time signals are, in order.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.sigprocmask(
            c,
            SIG_BLOCK,
            Some(SigSet::of(SIGUSR1).union(SigSet::of(SIGRTMIN))),
        )
        .unwrap();
        for _ in 0..3 {
            f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
            f.k.kill(Some(init), c.0, SIGRTMIN).unwrap();
        }
        let q = &f.k.proc(c).unwrap().signals.queue;
        let n_usr = q.iter().filter(|x| x.sig == SIGUSR1).count();
        let n_rt = q.iter().filter(|x| x.sig == SIGRTMIN).count();
        assert_eq!(
            (n_usr, n_rt),
            (1, 3),
            "got (std, rt) = ({}, {}), want (1, 3)",
            n_usr,
            n_rt
        );
    }

    #[test]
    fn ignored_signals_are_discarded_at_send() {
        // prepare_signal → sig_ignored: SIG_IGN or default-ignore, when not blocked.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.set_handler(c, SIGUSR1, Handler::Ignore);
        f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
        f.k.kill(Some(init), c.0, SIGCHLD).unwrap();
        f.k.kill(Some(init), c.0, SIGWINCH).unwrap();
        assert!(
            f.k.proc(c).unwrap().signals.pending.is_empty(),
            "nothing pending"
        );
    }

    #[test]
    fn blocked_ignored_signal_stays_pending() {
        // sig_ignored returns false for a blocked signal: it is queued.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.set_handler(c, SIGUSR1, Handler::Ignore);
        f.k.sigprocmask(c, SIG_BLOCK, Some(SigSet::of(SIGUSR1)))
            .unwrap();
        f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
        assert_eq!(f.k.sigpending(c).unwrap(), SigSet::of(SIGUSR1));
    }

    #[test]
    fn default_fatal_signal_kills_at_send() {
        // complete_signal: an unblocked default-fatal signal kills the whole group at once.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.events.clear();
        f.k.kill(Some(init), c.0, SIGTERM).unwrap();
        assert_eq!(f.state(c), crate::process::ProcState::Zombie);
        assert_eq!(f.k.proc(c).unwrap().exit_status, SIGTERM as i32);
        assert_eq!(
            f.k.events.front(),
            Some(&Event::Terminate {
                pid: c,
                sig: SIGTERM,
                core: false
            })
        );
    }

    #[test]
    fn blocked_fatal_signal_waits_for_unblock() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.sigprocmask(c, SIG_BLOCK, Some(SigSet::of(SIGTERM)))
            .unwrap();
        f.k.kill(Some(init), c.0, SIGTERM).unwrap();
        assert_eq!(
            f.state(c),
            crate::process::ProcState::Running,
            "blocked: still alive"
        );
        f.k.events.clear();
        f.k.sigprocmask(c, SIG_UNBLOCK, Some(SigSet::of(SIGTERM)))
            .unwrap();
        assert!(
            f.k.events.contains(&Event::SignalPending { pid: c }),
            "unblock wakes it"
        );
        assert_eq!(
            f.k.dequeue(c),
            Ok(Delivery::Terminate {
                sig: SIGTERM,
                core: false
            })
        );
        assert_eq!(f.state(c), crate::process::ProcState::Zombie);
    }

    #[test]
    fn core_signal_dies_at_dequeue_with_core_bit_per_rlimit() {
        // get_signal → do_coredump: the core bit only when a dump could be written.
        for (limit, want_core) in [(0u64, false), (u64::MAX, true)] {
            let mut f = Fixture::new();
            let init = f.init();
            let c = f.fork(init);
            f.k.prlimit(
                None,
                c,
                crate::rlimits::RLIMIT_CORE,
                Some(crate::rlimits::Rlimit {
                    cur: limit,
                    max: u64::MAX,
                }),
            )
            .unwrap();
            f.k.kill(Some(init), c.0, SIGQUIT).unwrap();
            assert_eq!(
                f.state(c),
                crate::process::ProcState::Running,
                "core signals wait for get_signal"
            );
            let d = f.k.dequeue(c).unwrap();
            assert_eq!(
                d,
                Delivery::Terminate {
                    sig: SIGQUIT,
                    core: want_core
                },
                "limit {}: got {:?}",
                limit,
                d
            );
        }
    }

    #[test]
    fn sigkill_and_sigstop_cannot_be_caught_blocked_or_ignored() {
        // signal(7): "The signals SIGKILL and SIGSTOP cannot be caught, blocked, or ignored."
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        for sig in [SIGKILL, SIGSTOP] {
            let r = f.k.sigaction(
                c,
                sig,
                Some(SigAction {
                    handler: Handler::Ignore,
                    ..SigAction::DEFAULT
                }),
            );
            assert_eq!(r, Err(Errno::EINVAL), "sigaction({}) set: want EINVAL", sig);
            assert!(f.k.sigaction(c, sig, None).is_ok(), "querying is allowed");
        }
        f.k.sigprocmask(c, SIG_SETMASK, Some(SigSet(u64::MAX)))
            .unwrap();
        let m = f.k.sigprocmask(c, SIG_BLOCK, None).unwrap();
        assert!(
            !m.contains(SIGKILL) && !m.contains(SIGSTOP),
            "silently unblockable: got {:#x}",
            m.0
        );
        f.k.kill(Some(init), c.0, SIGKILL).unwrap();
        assert_eq!(
            f.state(c),
            crate::process::ProcState::Zombie,
            "SIGKILL kills despite a full mask"
        );
    }

    #[test]
    fn sigaction_validation_table() {
        let mut f = Fixture::new();
        let init = f.init();
        let cases: &[(&str, u32, bool, Result<(), Errno>)] = &[
            ("signal 0", 0, true, Err(Errno::EINVAL)),
            ("signal 65", 65, true, Err(Errno::EINVAL)),
            ("SIGKILL set", SIGKILL, true, Err(Errno::EINVAL)),
            ("SIGSTOP set", SIGSTOP, true, Err(Errno::EINVAL)),
            ("SIGRTMIN+0 set", SIGRTMIN, true, Ok(())),
            ("SIGINT set", SIGINT, true, Ok(())),
        ];
        for (name, sig, set, want) in cases {
            let new = if *set {
                Some(SigAction {
                    handler: Handler::Catch(2),
                    ..SigAction::DEFAULT
                })
            } else {
                None
            };
            let got = f.k.sigaction(init, *sig, new).map(|_| ());
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn sigaction_returns_old_and_strips_kill_stop_from_mask() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = SigAction {
            handler: Handler::Catch(5),
            flags: SA_RESTART,
            mask: SigSet(u64::MAX),
        };
        let old = f.k.sigaction(init, SIGINT, Some(a)).unwrap();
        assert_eq!(old, SigAction::DEFAULT);
        let cur = f.k.sigaction(init, SIGINT, None).unwrap();
        assert_eq!(cur.handler, Handler::Catch(5));
        assert!(
            !cur.mask.contains(SIGKILL) && !cur.mask.contains(SIGSTOP),
            "mask got {:#x}",
            cur.mask.0
        );
    }

    #[test]
    fn setting_sig_ign_discards_pending() {
        // POSIX: setting SIG_IGN for a pending signal discards it, blocked or not.
        let mut f = Fixture::new();
        let init = f.init();
        f.k.sigprocmask(init, SIG_BLOCK, Some(SigSet::of(SIGUSR1)))
            .unwrap();
        f.k.kill(None, 1, SIGUSR1).unwrap();
        assert!(!f.k.sigpending(init).unwrap().is_empty());
        f.set_handler(init, SIGUSR1, Handler::Ignore);
        assert!(f.k.sigpending(init).unwrap().is_empty(), "discarded");
    }

    #[test]
    fn sigprocmask_how_table() {
        let base = SigSet::of(SIGUSR1).union(SigSet::of(SIGUSR2));
        let cases: &[(&str, i32, SigSet, Result<SigSet, Errno>)] = &[
            (
                "SIG_BLOCK adds",
                SIG_BLOCK,
                SigSet::of(SIGINT),
                Ok(base.union(SigSet::of(SIGINT))),
            ),
            (
                "SIG_UNBLOCK removes",
                SIG_UNBLOCK,
                SigSet::of(SIGUSR1),
                Ok(SigSet::of(SIGUSR2)),
            ),
            (
                "SIG_SETMASK replaces",
                SIG_SETMASK,
                SigSet::of(SIGHUP),
                Ok(SigSet::of(SIGHUP)),
            ),
            ("bad how", 3, SigSet::of(SIGHUP), Err(Errno::EINVAL)),
        ];
        for (name, how, set, want) in cases {
            let mut f = Fixture::new();
            let init = f.init();
            f.k.sigprocmask(init, SIG_SETMASK, Some(base)).unwrap();
            let got =
                f.k.sigprocmask(init, *how, Some(*set))
                    .and_then(|_| f.k.sigprocmask(init, 0, None));
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn dequeue_runs_handler_with_mask_rules() {
        // handle_signal: blocked |= sa_mask | sig (unless SA_NODEFER); old mask to restore.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        let a = SigAction {
            handler: Handler::Catch(9),
            flags: SA_SIGINFO,
            mask: SigSet::of(SIGUSR2),
        };
        f.k.sigaction(c, SIGUSR1, Some(a)).unwrap();
        f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
        match f.k.dequeue(c).unwrap() {
            Delivery::Handler {
                sig,
                handler,
                old_mask,
                sender,
                code,
                ..
            } => {
                assert_eq!(
                    (sig, handler, old_mask, sender, code),
                    (SIGUSR1, 9, SigSet::EMPTY, 1, SI_USER)
                );
            }
            d => panic!("got {:?}, want a handler", d),
        }
        let m = f.k.proc(c).unwrap().signals.blocked;
        assert_eq!(
            m,
            SigSet::of(SIGUSR1).union(SigSet::of(SIGUSR2)),
            "in-handler mask got {:#x}",
            m.0
        );
        f.k.sigreturn(c, SigSet::EMPTY).unwrap();
        assert_eq!(
            f.k.proc(c).unwrap().signals.blocked,
            SigSet::EMPTY,
            "sigreturn restores"
        );
    }

    #[test]
    fn sa_nodefer_and_sa_resethand() {
        // sigaction(2): SA_NODEFER does not block the signal in its handler; SA_RESETHAND
        // restores SIG_DFL on entry.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.set_action(c, SIGUSR1, Handler::Catch(1), SA_NODEFER | SA_RESETHAND);
        f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
        assert!(matches!(f.k.dequeue(c).unwrap(), Delivery::Handler { .. }));
        assert!(
            !f.k.proc(c).unwrap().signals.blocked.contains(SIGUSR1),
            "SA_NODEFER: not blocked"
        );
        assert_eq!(
            f.k.sigaction(c, SIGUSR1, None).unwrap(),
            SigAction::DEFAULT,
            "SA_RESETHAND: reset"
        );
        f.k.kill(Some(init), c.0, SIGUSR1).unwrap();
        assert_eq!(
            f.state(c),
            crate::process::ProcState::Zombie,
            "second SIGUSR1 hits SIG_DFL"
        );
    }

    #[test]
    fn dequeue_order_synchronous_first_then_lowest() {
        // next_signal: SYNCHRONOUS_MASK first, then the lowest number.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        for s in [SIGUSR2, SIGSEGV, SIGINT] {
            f.catch(c, s);
        }
        f.k.sigprocmask(c, SIG_BLOCK, Some(SigSet(u64::MAX)))
            .unwrap();
        for s in [SIGUSR2, SIGINT, SIGSEGV] {
            f.k.kill(Some(init), c.0, s).unwrap();
        }
        f.k.sigprocmask(c, SIG_SETMASK, Some(SigSet::EMPTY))
            .unwrap();
        let mut got = Vec::new();
        for _ in 0..3 {
            if let Delivery::Handler { sig, .. } = f.k.dequeue(c).unwrap() {
                got.push(sig);
                f.k.sigreturn(c, SigSet::EMPTY).unwrap();
            }
        }
        assert_eq!(got, vec![SIGSEGV, SIGINT, SIGUSR2], "got {:?}", got);
    }

    #[test]
    fn realtime_instances_delivered_in_order() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.set_action(c, SIGRTMIN + 1, Handler::Catch(4), SA_NODEFER);
        f.k.sigprocmask(c, SIG_BLOCK, Some(SigSet::of(SIGRTMIN + 1)))
            .unwrap();
        let d = f.fork(init);
        f.k.kill(Some(init), c.0, SIGRTMIN + 1).unwrap();
        f.k.kill(Some(d), c.0, SIGRTMIN + 1).unwrap();
        f.k.sigprocmask(c, SIG_SETMASK, Some(SigSet::EMPTY))
            .unwrap();
        let mut senders = Vec::new();
        while let Delivery::Handler { sender, .. } = f.k.dequeue(c).unwrap() {
            senders.push(sender);
        }
        assert_eq!(senders, vec![1, d.0], "FIFO per signal: got {:?}", senders);
    }

    #[test]
    fn stop_then_continue() {
        // SIGSTOP stops at get_signal; SIGCONT resumes at send, reported to the parent.
        let mut f = Fixture::new();
        let init = f.init();
        f.catch(init, SIGCHLD);
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        assert_eq!(f.k.dequeue(c), Ok(Delivery::Stop { sig: SIGSTOP }));
        assert_eq!(f.state(c), crate::process::ProcState::Stopped);
        assert!(f.k.events.contains(&Event::Stop {
            pid: c,
            sig: SIGSTOP
        }));
        assert_eq!(
            f.k.dequeue(c),
            Ok(Delivery::None),
            "a stopped process gets nothing"
        );
        f.k.kill(Some(init), c.0, SIGCONT).unwrap();
        assert_eq!(f.state(c), crate::process::ProcState::Running);
        assert!(f.k.events.contains(&Event::Continue { pid: c }));
        assert!(
            f.k.proc(init).unwrap().signals.pending.contains(SIGCHLD),
            "parent told"
        );
    }

    #[test]
    fn sigcont_discards_pending_stops_and_vice_versa() {
        // prepare_signal: SIGCONT flushes pending stop signals; a stop signal flushes SIGCONT.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.catch(c, SIGCONT);
        f.k.sigprocmask(
            c,
            SIG_BLOCK,
            Some(SigSet::of(SIGTSTP).union(SigSet::of(SIGCONT))),
        )
        .unwrap();
        f.k.kill(Some(init), c.0, SIGTSTP).unwrap();
        f.k.kill(Some(init), c.0, SIGCONT).unwrap();
        let p = f.k.sigpending(c).unwrap();
        assert_eq!(p, SigSet::of(SIGCONT), "SIGTSTP discarded: got {:#x}", p.0);
        f.k.kill(Some(init), c.0, SIGTSTP).unwrap();
        let p = f.k.sigpending(c).unwrap();
        assert_eq!(p, SigSet::of(SIGTSTP), "SIGCONT discarded: got {:#x}", p.0);
    }

    #[test]
    fn sigcont_resumes_even_when_ignored() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.set_handler(c, SIGCONT, Handler::Ignore);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        f.k.kill(Some(init), c.0, SIGCONT).unwrap();
        assert_eq!(f.state(c), crate::process::ProcState::Running);
    }

    #[test]
    fn stopped_process_is_spared_by_sigterm_until_continued() {
        // complete_signal/wants_signal: a stopped task does not take a non-SIGKILL signal.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        f.k.kill(Some(init), c.0, SIGTERM).unwrap();
        assert_eq!(
            f.state(c),
            crate::process::ProcState::Stopped,
            "still stopped"
        );
        f.k.kill(Some(init), c.0, SIGCONT).unwrap();
        assert_eq!(
            f.k.dequeue(c),
            Ok(Delivery::Terminate {
                sig: SIGTERM,
                core: false
            })
        );
    }

    #[test]
    fn sigkill_kills_a_stopped_process() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        f.k.kill(Some(init), c.0, SIGKILL).unwrap();
        assert_eq!(f.state(c), crate::process::ProcState::Zombie);
    }

    #[test]
    fn sa_nocldstop_suppresses_stop_sigchld() {
        let mut f = Fixture::new();
        let init = f.init();
        f.set_action(init, SIGCHLD, Handler::Catch(1), SA_NOCLDSTOP);
        let c = f.fork(init);
        f.k.kill(Some(init), c.0, SIGSTOP).unwrap();
        f.k.dequeue(c).unwrap();
        assert!(
            !f.k.proc(init).unwrap().signals.pending.contains(SIGCHLD),
            "no SIGCHLD for a stop"
        );
        assert!(
            f.k.events
                .contains(&Event::ChildStateChanged { parent: init }),
            "waiters still woken"
        );
    }

    #[test]
    fn tty_stop_signals_discarded_in_orphaned_group() {
        // get_signal: SIGTSTP/SIGTTIN/SIGTTOU with default action in an orphaned group are
        // discarded; SIGSTOP still stops.
        let mut f = Fixture::new();
        let init = f.init();
        let lone = f.spawn_flags(init, SPAWN_NEW_SESSION, 0);
        f.k.kill(Some(init), lone.0, SIGTSTP).unwrap();
        assert_eq!(
            f.k.dequeue(lone),
            Ok(Delivery::None),
            "orphaned: SIGTSTP discarded"
        );
        f.k.kill(Some(init), lone.0, SIGSTOP).unwrap();
        assert_eq!(f.k.dequeue(lone), Ok(Delivery::Stop { sig: SIGSTOP }));
    }

    #[test]
    fn namespace_init_ignores_unhandled_signals_from_inside() {
        // pid_namespaces(7)/SIGNAL_UNKILLABLE: only signals with a handler reach init from
        // inside its namespace; SIGKILL/SIGSTOP from an ancestor namespace do.
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        let inside = f.fork(nsinit);
        f.k.kill(Some(inside), 1, SIGKILL).unwrap();
        f.k.kill(Some(inside), 1, SIGTERM).unwrap();
        assert_eq!(
            f.state(nsinit),
            crate::process::ProcState::Running,
            "immune from inside"
        );
        f.k.kill(Some(init), nsinit.0, SIGTERM).unwrap();
        assert_eq!(
            f.state(nsinit),
            crate::process::ProcState::Running,
            "SIGTERM from ancestor: still ignored"
        );
        f.catch(nsinit, SIGUSR1);
        f.k.kill(Some(inside), 1, SIGUSR1).unwrap();
        assert!(
            f.k.proc(nsinit).unwrap().signals.pending.contains(SIGUSR1),
            "handled signals get through"
        );
        f.k.kill(Some(init), nsinit.0, SIGKILL).unwrap();
        assert_eq!(
            f.state(nsinit),
            crate::process::ProcState::Zombie,
            "SIGKILL from ancestor kills"
        );
        assert!(
            !f.k.procs.contains_key(&inside),
            "its namespace is killed and reaped with it"
        );
    }

    #[test]
    fn root_init_survives_host_sigterm_but_not_sigkill() {
        let mut f = Fixture::new();
        let init = f.init();
        f.k.kill(None, 1, SIGTERM).unwrap();
        assert_eq!(f.state(init), crate::process::ProcState::Running);
        f.k.kill(None, 1, SIGKILL).unwrap();
        assert_eq!(f.state(init), crate::process::ProcState::Zombie);
    }

    #[test]
    fn sender_pid_is_translated_for_the_receiver() {
        // siginfo si_pid is the sender as the receiver's namespace sees it (0 if invisible).
        let mut f = Fixture::new();
        let init = f.init();
        let (nsinit, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        let inside = f.fork(nsinit);
        f.catch(inside, SIGUSR1);
        f.k.kill(Some(init), inside.0, SIGUSR1).unwrap();
        match f.k.dequeue(inside).unwrap() {
            Delivery::Handler { sender, .. } => assert_eq!(sender, 0, "sender outside: si_pid 0"),
            d => panic!("got {:?}", d),
        }
    }

    #[test]
    fn sigchld_carries_child_status() {
        let mut f = Fixture::new();
        let init = f.init();
        f.catch(init, SIGCHLD);
        let c = f.fork(init);
        f.k.exit(c, 5).unwrap();
        match f.k.dequeue(init).unwrap() {
            Delivery::Handler {
                sig,
                code,
                sender,
                status,
                ..
            } => {
                assert_eq!(
                    (sig, code, sender, status),
                    (SIGCHLD, CLD_EXITED, c.0, 5),
                    "siginfo of SIGCHLD"
                );
            }
            d => panic!("got {:?}", d),
        }
    }

    #[test]
    fn tkill_rules() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.catch(c, SIGUSR1);
        assert_eq!(
            f.k.tkill(Some(init), 0, SIGUSR1),
            Err(Errno::EINVAL),
            "tkill pid 0"
        );
        assert_eq!(
            f.k.tkill(Some(init), -1, SIGUSR1),
            Err(Errno::EINVAL),
            "tkill pid -1"
        );
        assert_eq!(f.k.tkill(Some(init), 42, SIGUSR1), Err(Errno::ESRCH));
        assert_eq!(f.k.tkill(Some(init), c.0, SIGUSR1), Ok(()));
        match f.k.dequeue(c).unwrap() {
            Delivery::Handler { code, .. } => assert_eq!(code, SI_TKILL),
            d => panic!("got {:?}", d),
        }
    }

    #[test]
    fn signal_to_zombie_succeeds_without_effect() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.exit(c, 0).unwrap();
        assert_eq!(
            f.k.kill(Some(init), c.0, SIGTERM),
            Ok(()),
            "a zombie can be signalled"
        );
        assert!(f.k.proc(c).unwrap().signals.pending.is_empty());
    }

    #[test]
    fn container_kill_unknown_container_is_einval() {
        let mut f = Fixture::new();
        let _ = f.init();
        assert_eq!(
            f.k.container_kill(ContainerHandle(9), SIGKILL),
            Err(Errno::EINVAL)
        );
    }
}
