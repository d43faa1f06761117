//! Containers: every process carries the container it was started in (runsc's `execID.cid`);
//! the Loader signals a whole container, asks whether all of its processes exited and lists
//! them (runsc's `Processes`/`ps`). Each container has its own pids limit.

use crate::errno::Errno;
use crate::ids::{ContainerHandle, Pid};
use crate::kernel::Kernel;
use crate::signals;

/// A registered container. Owned by its kernel; counters kept by spawn/exit/reap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Container {
    /// pids.max of the container's cgroup (0 = unlimited).
    pub pids_limit: u32,
    /// Processes, zombies included (what pids.current counts).
    pub count: u32,
    /// Processes not yet zombies.
    pub live: u32,
}

/// One `ps` row (all numbers in the root namespace; ppid 0 = parent is the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PsRow {
    pub pid: Pid,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub state: i32,
    pub uid: u32,
    pub container: ContainerHandle,
}

impl Kernel {
    /// Registers a container; its processes are charged against `pids_limit`.
    pub fn container_register(&mut self, pids_limit: u32) -> ContainerHandle {
        let h = ContainerHandle(self.next_container);
        self.next_container += 1;
        self.containers.insert(
            h,
            Container {
                pids_limit,
                count: 0,
                live: 0,
            },
        );
        h
    }

    /// Forgets a container; EBUSY while it still has processes (even zombies), EINVAL if unknown.
    pub fn container_unregister(&mut self, c: ContainerHandle) -> Result<(), Errno> {
        let ct = self.containers.get(&c).ok_or(Errno::EINVAL)?;
        if ct.count > 0 {
            return Err(Errno::EBUSY);
        }
        self.containers.remove(&c);
        Ok(())
    }

    /// Sends `sig` from the host to every live process of the container (runsc's
    /// SignalAllProcesses); returns how many were signalled.
    pub fn container_kill(&mut self, c: ContainerHandle, sig: u32) -> Result<u32, Errno> {
        if !self.containers.contains_key(&c) {
            return Err(Errno::EINVAL);
        }
        if sig != 0 && !signals::valid(sig) {
            return Err(Errno::EINVAL);
        }
        let targets: Vec<Pid> = self
            .procs
            .values()
            .filter(|p| p.container == c && !p.is_zombie())
            .map(|p| p.pid)
            .collect();
        for &t in &targets {
            if sig != 0 {
                self.send_user_signal(None, t, sig, signals::SI_USER);
            }
        }
        Ok(targets.len() as u32)
    }

    /// Whether every process of the container has exited (zombies count as exited).
    pub fn container_all_exited(&self, c: ContainerHandle) -> Result<bool, Errno> {
        self.containers
            .get(&c)
            .map(|ct| ct.live == 0)
            .ok_or(Errno::EINVAL)
    }

    /// Processes of a container (or all, for handle 0) with root pid > `after`, in pid order,
    /// at most `max` rows.
    pub fn ps(&self, c: ContainerHandle, after: i32, max: usize) -> Vec<PsRow> {
        self.procs
            .range(Pid(after.saturating_add(1))..)
            .map(|(_, p)| p)
            .filter(|p| c.0 == 0 || p.container == c)
            .take(max)
            .map(|p| PsRow {
                pid: p.pid,
                ppid: p.parent.map_or(0, |x| x.0),
                pgid: p.pgid.0,
                sid: p.sid.0,
                state: p.state as i32,
                uid: p.creds.ruid.0,
                container: p.container,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::ids::ContainerHandle;
    use crate::signals::{SIGKILL, SIGTERM};
    use crate::testutil::*;

    #[test]
    fn container_kill_reaches_every_live_process() {
        // runsc's SignalAllProcesses: every process of the container, no other.
        let mut f = Fixture::new();
        let init = f.init();
        let other = f.k.container_register(0);
        let b1 = f.k.spawn_init(other, f.k.root_ns, 0, 0, 0).unwrap().0;
        let b2 = f.fork(b1);
        let _b3 = f.fork(b2);
        assert_eq!(
            f.k.container_kill(other, SIGKILL),
            Ok(3),
            "3 processes in the second container"
        );
        assert_eq!(f.k.container_all_exited(other), Ok(true));
        assert!(
            !f.k.proc(init).unwrap().is_zombie(),
            "first container untouched"
        );
        assert_eq!(f.k.container_all_exited(f.c), Ok(false));
    }

    #[test]
    fn container_errors_table() {
        let mut f = Fixture::new();
        let _ = f.init();
        let bogus = ContainerHandle(99);
        assert_eq!(
            f.k.container_kill(bogus, SIGTERM),
            Err(Errno::EINVAL),
            "unknown container"
        );
        assert_eq!(
            f.k.container_kill(f.c, 65),
            Err(Errno::EINVAL),
            "bad signal"
        );
        assert_eq!(f.k.container_all_exited(bogus), Err(Errno::EINVAL));
        assert_eq!(
            f.k.container_unregister(f.c),
            Err(Errno::EBUSY),
            "busy with processes"
        );
        let empty = f.k.container_register(0);
        assert_eq!(f.k.container_unregister(empty), Ok(()));
        assert_eq!(f.k.container_unregister(empty), Err(Errno::EINVAL));
    }

    #[test]
    fn ps_lists_rows_in_pid_order_with_cursor() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        let _b = f.fork(a);
        let rows = f.k.ps(f.c, 0, 100);
        let pids: Vec<i32> = rows.iter().map(|r| r.pid.0).collect();
        assert_eq!(pids, vec![1, 2, 3], "got {:?}", pids);
        assert_eq!(rows[2].ppid, 2);
        let page = f.k.ps(ContainerHandle(0), 1, 1);
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].pid.0, 2, "cursor skips pids <= after");
    }

    #[test]
    fn container_empty_event_when_last_process_exits() {
        let mut f = Fixture::new();
        let init = f.init();
        f.k.events.clear();
        f.k.exit(init, 0).unwrap();
        let has =
            f.k.events
                .iter()
                .any(|e| matches!(e, crate::events::Event::ContainerEmpty { .. }));
        assert!(has, "got {:?}, want a ContainerEmpty event", f.k.events);
    }

    #[test]
    fn container_kill_signal_zero_counts_without_sending() {
        let mut f = Fixture::new();
        let init = f.init();
        f.fork(init);
        assert_eq!(f.k.container_kill(f.c, 0), Ok(2));
        assert_eq!(f.state(init), crate::process::ProcState::Running);
    }

    #[test]
    fn ps_reports_states_and_uids() {
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.set_creds(c, |cr| cr.setuid(77)).unwrap();
        f.k.exit(c, 0).unwrap();
        let rows = f.k.ps(f.c, 0, 10);
        assert_eq!(
            (rows[1].state, rows[1].uid),
            (2, 77),
            "zombie with uid 77: got {:?}",
            rows[1]
        );
        assert_eq!(rows[0].state, 0);
    }
}
