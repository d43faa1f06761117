//! A kernel: the process state of one sandbox. Many kernels live in one wasm instance (see
//! `runtime`), so this struct holds everything of one sandbox and nothing global.

use std::collections::{BTreeMap, VecDeque};

use crate::container::Container;
use crate::errno::Errno;
use crate::events::Event;
use crate::ids::{ContainerHandle, NsId, Pgid, Pid, Sid, TtyHandle};
use crate::pid_namespace::{PidNamespace, PidRecord, PID_MAX_LIMIT};
use crate::process::Process;
use crate::process_group::ProcessGroup;
use crate::session::Session;
use crate::tty::Tty;

/// Options fixed at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelOptions {
    /// /proc/sys/kernel/pid_max: numbers are < pid_max in every namespace.
    pub pid_max: i32,
    /// The sandbox's pids.max (0 = unlimited), as the sandbox cgroup's pids controller.
    pub pids_limit: u32,
}

impl Default for KernelOptions {
    fn default() -> Self {
        KernelOptions {
            pid_max: 32768,
            pids_limit: 0,
        }
    }
}

/// One sandbox's kernel. Owned by the Runtime (one per wasm instance); every field is changed
/// only by the kernel operations of this crate, one at a time.
#[derive(Debug)]
pub struct Kernel {
    /// Immutable after creation.
    pub opts: KernelOptions,
    /// Immutable after creation (always NsId(1)).
    pub root_ns: NsId,
    /// Next namespace id; owned by pid_namespace.rs.
    pub(crate) next_ns: u32,
    /// Live namespaces; owned by pid_namespace.rs (created, freed when unused).
    pub namespaces: BTreeMap<NsId, PidNamespace>,
    /// Allocated pid records (struct pid), by root number; owned by pid_namespace.rs.
    pub pids: BTreeMap<Pid, PidRecord>,
    /// Processes are boxed: a BTreeMap node holds eleven values, and inline processes would
    /// make an idle one-process sandbox pay for eleven. Created by spawn.rs, removed by exit.rs.
    pub procs: BTreeMap<Pid, Box<Process>>,
    /// Process groups; owned by process_group.rs (join/leave).
    pub pgrps: BTreeMap<Pgid, ProcessGroup>,
    /// Sessions; owned by session.rs (join/leave).
    pub sessions: BTreeMap<Sid, Session>,
    /// Terminals linked to a session; owned by tty.rs.
    pub ttys: BTreeMap<TtyHandle, Tty>,
    /// Registered containers; owned by container.rs, counters kept by limits.rs.
    pub containers: BTreeMap<ContainerHandle, Container>,
    /// Next container handle; owned by container.rs.
    pub(crate) next_container: u32,
    /// Processes (live and zombie) per real uid, for RLIMIT_NPROC (the ucounts of Linux);
    /// owned by limits.rs.
    pub nproc: BTreeMap<u32, u32>,
    /// Every process, zombies included (what the sandbox's pids.max counts); owned by limits.rs.
    pub total: u32,
    /// Events not yet drained; appended by every module, drained by DRAIN_EVENTS.
    pub events: VecDeque<Event>,
    /// PAUSE/RESUME: recorded here, enforced by the platform (runsc's Loader pauses the
    /// kernel's task scheduling; Corral's platform stops running guests).
    pub paused: bool,
}

impl Kernel {
    pub fn new(opts: KernelOptions) -> Kernel {
        let pid_max = opts.pid_max.clamp(2, PID_MAX_LIMIT);
        let root = NsId(1);
        let mut namespaces = BTreeMap::new();
        namespaces.insert(root, PidNamespace::new(None, 0, true));
        Kernel {
            opts: KernelOptions {
                pid_max,
                pids_limit: opts.pids_limit,
            },
            root_ns: root,
            next_ns: 2,
            namespaces,
            pids: BTreeMap::new(),
            procs: BTreeMap::new(),
            pgrps: BTreeMap::new(),
            sessions: BTreeMap::new(),
            ttys: BTreeMap::new(),
            containers: BTreeMap::new(),
            next_container: 1,
            nproc: BTreeMap::new(),
            total: 0,
            events: VecDeque::new(),
            paused: false,
        }
    }

    pub(crate) fn emit(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub fn proc(&self, pid: Pid) -> Result<&Process, Errno> {
        self.procs.get(&pid).map(|b| &**b).ok_or(Errno::ESRCH)
    }

    pub(crate) fn proc_mut(&mut self, pid: Pid) -> Result<&mut Process, Errno> {
        self.procs
            .get_mut(&pid)
            .map(|b| &mut **b)
            .ok_or(Errno::ESRCH)
    }

    /// The namespace a caller sees pids in: its own, or the root for the host (None).
    pub fn view_of(&self, caller: Option<Pid>) -> NsId {
        caller
            .and_then(|c| self.procs.get(&c))
            .map_or(self.root_ns, |p| p.ns)
    }

    /// find_task_by_vpid: the process numbered `nr` in the caller's namespace.
    pub fn find_task(&self, caller: Option<Pid>, nr: i32) -> Option<Pid> {
        if nr <= 0 {
            return None;
        }
        let pid = self.lookup(self.view_of(caller), nr)?;
        if self.procs.contains_key(&pid) {
            Some(pid)
        } else {
            None
        }
    }

    /// pid_vnr: the number of `pid` as the caller sees it (0 if not visible).
    pub fn vnr(&self, caller: Option<Pid>, pid: Pid) -> i32 {
        self.translate(pid, self.view_of(caller))
    }

    /// getpid(): the process's number in its own namespace.
    pub fn getpid(&self, pid: Pid) -> Result<i32, Errno> {
        let p = self.proc(pid)?;
        Ok(self.translate(pid, p.ns))
    }

    /// getppid(): the parent's number in the caller's namespace; 0 when the parent lives
    /// outside it (a namespace's init) or is the host (kernel/sys.c:getppid → task_tgid_vnr).
    pub fn getppid(&self, pid: Pid) -> Result<i32, Errno> {
        let p = self.proc(pid)?;
        Ok(p.parent.map_or(0, |pp| self.translate(pp, p.ns)))
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Count of every live object, for leak checks (all zero after the last process is
    /// reaped, besides the root namespace and registered containers).
    pub fn object_counts(&self) -> [usize; 6] {
        [
            self.procs.len(),
            self.pids.len(),
            self.pgrps.len(),
            self.sessions.len(),
            self.namespaces.len(),
            self.ttys.len(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spawn::{SPAWN_FORK, SPAWN_NEW_NS};
    use crate::testutil::*;

    #[test]
    fn pid_max_is_clamped_to_linux_bounds() {
        // /proc/sys/kernel/pid_max accepts at most PID_MAX_LIMIT (4M).
        let cases = [(0, 2), (1, 2), (100, 100), (i32::MAX, PID_MAX_LIMIT)];
        for (asked, want) in cases {
            let k = Kernel::new(KernelOptions {
                pid_max: asked,
                pids_limit: 0,
            });
            assert_eq!(
                k.opts.pid_max, want,
                "pid_max {}: got {}, want {}",
                asked, k.opts.pid_max, want
            );
        }
    }

    #[test]
    fn host_view_is_the_root_namespace() {
        let mut f = Fixture::new();
        let init = f.init();
        let (c, _) = f.k.spawn(init, SPAWN_NEW_NS, 0).unwrap();
        assert_eq!(f.k.view_of(None), f.k.root_ns);
        assert_eq!(f.k.view_of(Some(c)), f.k.proc(c).unwrap().ns);
        assert_eq!(
            f.k.find_task(None, c.0),
            Some(c),
            "host names processes by root pid"
        );
        assert_eq!(
            f.k.find_task(Some(c), 1),
            Some(c),
            "inside, 1 is the namespace init"
        );
        let outside = f.fork(init);
        assert_eq!(
            f.k.find_task(Some(c), outside.0),
            None,
            "outside processes are invisible"
        );
        assert_eq!(f.k.find_task(None, -1), None);
    }

    #[test]
    fn getppid_table() {
        // getppid(2): the parent as the caller's namespace sees it; 0 when not visible.
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        let (nsinit, _) = f.k.spawn(a, SPAWN_NEW_NS, 0).unwrap();
        let inner = f.k.spawn(nsinit, SPAWN_FORK, 0).unwrap().0;
        let cases = [
            ("init (host parent)", init, 0),
            ("child", a, 1),
            ("namespace init", nsinit, 0),
            ("inside", inner, 1),
        ];
        for (name, p, want) in cases {
            assert_eq!(f.k.getppid(p), Ok(want), "{}: want {}", name, want);
        }
        assert_eq!(f.k.getppid(Pid(99)), Err(Errno::ESRCH));
    }

    #[test]
    fn object_counts_return_to_zero_after_everything_is_reaped() {
        let mut f = Fixture::new();
        let init = f.init();
        let a = f.fork(init);
        f.k.setsid(a).unwrap();
        let (b, _) = f.k.spawn(a, SPAWN_NEW_NS, 0).unwrap();
        f.fork(b);
        f.k.tty_attach(a, TtyHandle(1), false).unwrap();
        f.k.kill(None, 1, crate::signals::SIGKILL).unwrap();
        f.reap(init, init);
        let left: Vec<Pid> = f.k.procs.keys().copied().collect();
        for p in left {
            f.reap(init, p);
        }
        assert_eq!(
            f.k.object_counts(),
            [0, 0, 0, 0, 1, 0],
            "only the root namespace remains"
        );
        assert!(f.k.nproc.is_empty(), "RLIMIT_NPROC counters back to zero");
        assert_eq!(f.k.containers[&f.c].count, 0);
        assert_eq!(f.k.total, 0);
    }

    #[test]
    fn pause_and_resume_are_recorded() {
        let mut k = Kernel::new(KernelOptions::default());
        assert!(!k.paused);
        k.pause();
        assert!(k.paused, "paused");
        k.resume();
        assert!(!k.paused, "resumed");
    }
}
