//! Test fixture shared by the unit tests: a kernel with one container and helpers that keep
//! the tables short.

use crate::ids::{ContainerHandle, Pid};
use crate::kernel::{Kernel, KernelOptions};
use crate::process::ProcState;
use crate::signals::{Handler, SigAction, SigSet};
use crate::spawn::SPAWN_FORK;
use crate::wait::P_PID;

pub struct Fixture {
    pub k: Kernel,
    pub c: ContainerHandle,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with(KernelOptions::default())
    }

    pub fn with(opts: KernelOptions) -> Fixture {
        let mut k = Kernel::new(opts);
        let c = k.container_register(0);
        Fixture { k, c }
    }

    /// A root container init (uid 0) in the root namespace.
    pub fn init(&mut self) -> Pid {
        let root = self.k.root_ns;
        self.k.spawn_init(self.c, root, 0, 0, 0).unwrap().0
    }

    pub fn fork(&mut self, parent: Pid) -> Pid {
        self.k.spawn(parent, SPAWN_FORK, 0).unwrap().0
    }

    pub fn spawn(&mut self, parent: Pid) -> Pid {
        self.k.spawn(parent, 0, 0).unwrap().0
    }

    pub fn spawn_flags(&mut self, parent: Pid, flags: u32, pgid: i32) -> Pid {
        self.k.spawn(parent, flags, pgid).unwrap().0
    }

    /// The process with root number `nr`.
    pub fn root(&self, nr: i32) -> Pid {
        self.k.lookup(self.k.root_ns, nr).unwrap()
    }

    /// Root number of a pid (they are the same thing; kept for readability).
    pub fn nr(&self, p: Pid) -> i32 {
        p.0
    }

    pub fn state(&self, p: Pid) -> ProcState {
        self.k.proc(p).unwrap().state
    }

    pub fn set_action(&mut self, p: Pid, sig: u32, h: Handler, flags: u32) {
        self.k
            .sigaction(
                p,
                sig,
                Some(SigAction {
                    handler: h,
                    flags,
                    mask: SigSet::EMPTY,
                }),
            )
            .unwrap();
    }

    pub fn set_handler(&mut self, p: Pid, sig: u32, h: Handler) {
        self.set_action(p, sig, h, 0);
    }

    /// Installs handler number 1 for `sig`.
    pub fn catch(&mut self, p: Pid, sig: u32) {
        self.set_handler(p, sig, Handler::Catch(1));
    }

    /// Reaps `child` as `parent` (or the host when the parent is gone).
    pub fn reap(&mut self, parent: Pid, child: Pid) {
        let who = if self.k.proc(child).unwrap().parent.is_some() {
            Some(parent)
        } else {
            None
        };
        let nr = self.k.vnr(who, child);
        let w = self.k.wait(who, P_PID, nr, 0, false).unwrap();
        assert_eq!(w.pid, nr, "reap {:?}: got {:?}", child, w);
    }

    pub fn exit_reap(&mut self, p: Pid, code: i32) {
        let parent = self.k.proc(p).unwrap().parent;
        self.k.exit(p, code).unwrap();
        if self.k.procs.contains_key(&p) {
            self.reap(parent.unwrap_or(Pid(0)), p);
        }
    }
}
