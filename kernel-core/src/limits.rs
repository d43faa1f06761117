//! Process-count limits checked at spawn: RLIMIT_NPROC per real uid (kernel/fork.c:
//! copy_process) and pids.max per container and per sandbox (kernel/cgroup/pids.c:
//! pids_can_fork). All fail with EAGAIN, as fork(2) does.

use crate::credentials::{Credentials, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::errno::Errno;
use crate::ids::ContainerHandle;
use crate::kernel::Kernel;

impl Kernel {
    /// Checks and charges one new process. `nproc_limit` is the spawning process's
    /// RLIMIT_NPROC soft limit; uid 0 and CAP_SYS_RESOURCE/CAP_SYS_ADMIN are exempt from it.
    pub(crate) fn charge(
        &mut self,
        c: ContainerHandle,
        creds: &Credentials,
        nproc_limit: u64,
    ) -> Result<(), Errno> {
        let ruid = creds.ruid.0;
        let used = u64::from(self.nproc.get(&ruid).copied().unwrap_or(0));
        if used >= nproc_limit
            && ruid != 0
            && !creds.capable(CAP_SYS_RESOURCE)
            && !creds.capable(CAP_SYS_ADMIN)
        {
            return Err(Errno::EAGAIN);
        }
        if self.opts.pids_limit != 0 && self.total + 1 > self.opts.pids_limit {
            return Err(Errno::EAGAIN);
        }
        let ct = self.containers.get_mut(&c).ok_or(Errno::EINVAL)?;
        if ct.pids_limit != 0 && ct.count + 1 > ct.pids_limit {
            return Err(Errno::EAGAIN);
        }
        ct.count += 1;
        ct.live += 1;
        self.total += 1;
        *self.nproc.entry(ruid).or_insert(0) += 1;
        Ok(())
    }

    /// Undoes `charge` when the process is released (release_task → dec_rlimit_ucounts,
    /// pids_release). `live` was already dropped at exit.
    pub(crate) fn uncharge(&mut self, c: ContainerHandle, ruid: u32, was_live: bool) {
        if let Some(ct) = self.containers.get_mut(&c) {
            ct.count -= 1;
            if was_live {
                ct.live -= 1;
            }
        }
        self.total -= 1;
        if let Some(n) = self.nproc.get_mut(&ruid) {
            *n -= 1;
            if *n == 0 {
                self.nproc.remove(&ruid);
            }
        }
    }

    /// A uid change moves the process between RLIMIT_NPROC counters (kernel/cred.c:
    /// commit_creds → inc_rlimit_ucounts on the new user).
    pub(crate) fn move_nproc(&mut self, from: u32, to: u32) {
        if from == to {
            return;
        }
        if let Some(n) = self.nproc.get_mut(&from) {
            *n -= 1;
            if *n == 0 {
                self.nproc.remove(&from);
            }
        }
        *self.nproc.entry(to).or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use crate::errno::Errno;
    use crate::kernel::KernelOptions;
    use crate::rlimits::{Rlimit, RLIMIT_NPROC};
    use crate::testutil::*;

    #[test]
    fn sandbox_pids_limit_counts_zombies() {
        // cgroup pids.max: a zombie holds its pid until reaped (pids_release in release_task).
        let mut f = Fixture::with(KernelOptions {
            pid_max: 32768,
            pids_limit: 3,
        });
        let init = f.init();
        let a = f.fork(init);
        let _b = f.fork(init);
        assert_eq!(
            f.k.spawn(init, 0, 0).err(),
            Some(Errno::EAGAIN),
            "4th process: EAGAIN"
        );
        f.k.exit(a, 0).unwrap();
        assert_eq!(
            f.k.spawn(init, 0, 0).err(),
            Some(Errno::EAGAIN),
            "zombie still counts"
        );
        f.reap(init, a);
        assert!(f.k.spawn(init, 0, 0).is_ok(), "after reaping there is room");
    }

    #[test]
    fn container_pids_limit() {
        let mut f = Fixture::new();
        let c2 = f.k.container_register(2);
        let (p, _, _) = f.k.spawn_init(c2, f.k.root_ns, 0, 0, 0).unwrap();
        f.k.spawn(p, 0, 0).unwrap();
        assert_eq!(
            f.k.spawn(p, 0, 0).err(),
            Some(Errno::EAGAIN),
            "container pids.max = 2"
        );
        let init = f.init();
        assert!(f.k.spawn(init, 0, 0).is_ok(), "other container unaffected");
    }

    #[test]
    fn rlimit_nproc_table() {
        // fork(2) EAGAIN: RLIMIT_NPROC reached for the real uid; root is exempt.
        let cases: &[(&str, u32, u64, usize, bool)] = &[
            ("unprivileged under limit", 1000, 3, 1, true),
            ("unprivileged at limit", 1000, 2, 1, false),
            ("root ignores limit", 0, 1, 3, true),
        ];
        for (name, uid, limit, extra, want_ok) in cases {
            let mut f = Fixture::new();
            let (p, _, _) = f.k.spawn_init(f.c, f.k.root_ns, 0, *uid, *uid).unwrap();
            f.k.prlimit(
                None,
                p,
                RLIMIT_NPROC,
                Some(Rlimit {
                    cur: *limit,
                    max: *limit,
                }),
            )
            .unwrap();
            for _ in 0..*extra {
                f.k.spawn(p, 0, 0).unwrap();
            }
            let got = f.k.spawn(p, 0, 0);
            assert_eq!(
                got.is_ok(),
                *want_ok,
                "{}: got {:?}, want ok={}",
                name,
                got,
                want_ok
            );
        }
    }

    #[test]
    fn setuid_moves_nproc_accounting() {
        // commit_creds moves the process to the new user's count.
        let mut f = Fixture::new();
        let init = f.init();
        let c = f.fork(init);
        f.k.set_creds(c, |cr| cr.setuid(1000)).unwrap();
        assert_eq!(f.k.nproc.get(&1000), Some(&1));
        assert_eq!(f.k.nproc.get(&0), Some(&1));
        f.exit_reap(c, 0);
        assert_eq!(f.k.nproc.get(&1000), None, "released at reap");
    }
}
