//! Resource limits (getrlimit(2)): sixteen soft/hard pairs, inherited at fork, checked by the
//! parts of the core that enforce them (RLIMIT_NPROC in `limits`, RLIMIT_CORE for the
//! core-dump bit). The others are carried for the ABI layer to enforce.

use crate::credentials::CAP_SYS_RESOURCE;
use crate::errno::Errno;
use crate::ids::Pid;
use crate::kernel::Kernel;

pub const RLIMIT_CPU: u32 = 0;
pub const RLIMIT_FSIZE: u32 = 1;
pub const RLIMIT_DATA: u32 = 2;
pub const RLIMIT_STACK: u32 = 3;
pub const RLIMIT_CORE: u32 = 4;
pub const RLIMIT_NPROC: u32 = 6;
pub const RLIMIT_NOFILE: u32 = 7;
pub const RLIMIT_MEMLOCK: u32 = 8;
pub const RLIMIT_SIGPENDING: u32 = 11;
pub const RLIMIT_MSGQUEUE: u32 = 12;
pub const RLIM_NLIMITS: u32 = 16;
/// RLIM_INFINITY (all ones).
pub const RLIM_INFINITY: u64 = u64::MAX;
/// fs/file.c:sysctl_nr_open's default: RLIMIT_NOFILE's hard limit may not exceed it.
pub const NR_OPEN: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// A process's limits (signal->rlim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rlimits(pub [Rlimit; RLIM_NLIMITS as usize]);

impl Rlimits {
    /// include/asm-generic/resource.h:INIT_RLIMITS. RLIMIT_NPROC and RLIMIT_SIGPENDING are
    /// sized from memory at boot in Linux; here they follow the kernel's pid_max.
    pub fn init(pid_max: u64) -> Rlimits {
        let inf = Rlimit {
            cur: RLIM_INFINITY,
            max: RLIM_INFINITY,
        };
        let mut r = [inf; RLIM_NLIMITS as usize];
        r[RLIMIT_STACK as usize] = Rlimit {
            cur: 8 << 20,
            max: RLIM_INFINITY,
        };
        r[RLIMIT_CORE as usize] = Rlimit {
            cur: 0,
            max: RLIM_INFINITY,
        };
        r[RLIMIT_NPROC as usize] = Rlimit {
            cur: pid_max,
            max: pid_max,
        };
        r[RLIMIT_NOFILE as usize] = Rlimit {
            cur: 1024,
            max: 4096,
        };
        r[RLIMIT_MEMLOCK as usize] = Rlimit {
            cur: 8 << 20,
            max: 8 << 20,
        };
        r[RLIMIT_SIGPENDING as usize] = Rlimit {
            cur: pid_max,
            max: pid_max,
        };
        r[RLIMIT_MSGQUEUE as usize] = Rlimit {
            cur: 819_200,
            max: 819_200,
        };
        r[13] = Rlimit { cur: 0, max: 0 }; // RLIMIT_NICE
        r[14] = Rlimit { cur: 0, max: 0 }; // RLIMIT_RTPRIO
        Rlimits(r)
    }

    pub fn get(&self, resource: u32) -> Result<Rlimit, Errno> {
        self.0.get(resource as usize).copied().ok_or(Errno::EINVAL)
    }

    /// kernel/sys.c:do_prlimit: EINVAL for an unknown resource or cur > max; EPERM for raising
    /// the hard limit without CAP_SYS_RESOURCE, or RLIMIT_NOFILE above nr_open.
    pub fn set(
        &mut self,
        resource: u32,
        new: Rlimit,
        cap_sys_resource: bool,
    ) -> Result<Rlimit, Errno> {
        let old = self.get(resource)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL);
        }
        if resource == RLIMIT_NOFILE && new.max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        if new.max > old.max && !cap_sys_resource {
            return Err(Errno::EPERM);
        }
        self.0[resource as usize] = new;
        Ok(old)
    }
}

impl Kernel {
    /// prlimit(2) (getrlimit/setrlimit on the caller itself; `caller` None is the host, which
    /// may do anything). Another process's limits need matching ids or CAP_SYS_RESOURCE
    /// (kernel/sys.c:check_prlimit_permission). Returns the old limit.
    pub fn prlimit(
        &mut self,
        caller: Option<Pid>,
        pid: Pid,
        resource: u32,
        new: Option<Rlimit>,
    ) -> Result<Rlimit, Errno> {
        let cap = match caller {
            None => true,
            Some(c) => {
                let cc = self.proc(c)?.creds.clone();
                let t = &self.proc(pid)?.creds;
                let same = cc.ruid == t.ruid
                    && cc.ruid == t.euid
                    && cc.ruid == t.suid
                    && cc.rgid == t.rgid
                    && cc.rgid == t.egid
                    && cc.rgid == t.sgid;
                let privileged = cc.capable(CAP_SYS_RESOURCE);
                if c != pid && !same && !privileged {
                    return Err(Errno::EPERM);
                }
                privileged
            }
        };
        let p = self.proc_mut(pid)?;
        match new {
            None => p.rlimits.get(resource),
            Some(n) => p.rlimits.set(resource, n, cap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_init_rlimits() {
        let r = Rlimits::init(32768);
        let cases: &[(u32, u64, u64)] = &[
            (RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY),
            (RLIMIT_STACK, 8 << 20, RLIM_INFINITY),
            (RLIMIT_CORE, 0, RLIM_INFINITY),
            (RLIMIT_NOFILE, 1024, 4096),
            (RLIMIT_NPROC, 32768, 32768),
        ];
        for &(res, cur, max) in cases {
            let got = r.get(res).unwrap();
            assert_eq!(
                (got.cur, got.max),
                (cur, max),
                "resource {}: got {:?}, want ({}, {})",
                res,
                got,
                cur,
                max
            );
        }
    }

    #[test]
    fn setrlimit_error_table() {
        // getrlimit(2) ERRORS.
        let cases: &[(&str, u32, u64, u64, bool, Result<(), Errno>)] = &[
            (
                "unknown resource",
                RLIM_NLIMITS,
                1,
                1,
                true,
                Err(Errno::EINVAL),
            ),
            (
                "soft above hard",
                RLIMIT_NOFILE,
                10,
                5,
                true,
                Err(Errno::EINVAL),
            ),
            (
                "raise hard without CAP_SYS_RESOURCE",
                RLIMIT_NOFILE,
                10,
                8192,
                false,
                Err(Errno::EPERM),
            ),
            (
                "raise hard with CAP_SYS_RESOURCE",
                RLIMIT_NOFILE,
                10,
                8192,
                true,
                Ok(()),
            ),
            (
                "lower hard is always allowed",
                RLIMIT_NOFILE,
                10,
                100,
                false,
                Ok(()),
            ),
            (
                "NOFILE above nr_open",
                RLIMIT_NOFILE,
                10,
                NR_OPEN + 1,
                true,
                Err(Errno::EPERM),
            ),
            (
                "raise soft up to hard",
                RLIMIT_CORE,
                RLIM_INFINITY,
                RLIM_INFINITY,
                false,
                Ok(()),
            ),
        ];
        for (name, res, cur, max, cap, want) in cases {
            let mut r = Rlimits::init(32768);
            let got = r
                .set(
                    *res,
                    Rlimit {
                        cur: *cur,
                        max: *max,
                    },
                    *cap,
                )
                .map(|_| ());
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }
}
