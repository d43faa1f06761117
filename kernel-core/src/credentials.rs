//! Credentials: real/effective/saved uid and gid, supplementary groups and the capability sets,
//! with the set*id rules of credentials(7), setuid(2), setreuid(2), setresuid(2) and the
//! capability side effects of capabilities(7) ("Effect of user ID changes on capabilities").

use crate::errno::Errno;
use crate::ids::{Gid, Pid, Uid};
use crate::kernel::Kernel;

pub const CAP_KILL: u32 = 5;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;
/// CAP_LAST_CAP (40, CAP_CHECKPOINT_RESTORE): a root process starts with all 41.
pub const CAP_ALL: u64 = (1u64 << 41) - 1;
/// NGROUPS_MAX.
pub const NGROUPS_MAX: usize = 65536;
/// (uid_t)-1: "leave unchanged" for setre*id/setres*id, and never a valid id.
pub const NO_ID: u32 = u32::MAX;

/// struct cred (the parts the process model uses). Immutable per operation: every set*id
/// call builds a new value and commits it only on success, as prepare_creds/commit_creds do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub ruid: Uid,
    pub euid: Uid,
    pub suid: Uid,
    pub rgid: Gid,
    pub egid: Gid,
    pub sgid: Gid,
    pub groups: Vec<Gid>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
}

impl Credentials {
    /// A container's first process: root gets every capability, others none (as runsc's
    /// default spec without an explicit capability list).
    pub fn new(uid: Uid, gid: Gid) -> Credentials {
        let caps = if uid.0 == 0 { CAP_ALL } else { 0 };
        Credentials {
            ruid: uid,
            euid: uid,
            suid: uid,
            rgid: gid,
            egid: gid,
            sgid: gid,
            groups: Vec::new(),
            cap_effective: caps,
            cap_permitted: caps,
        }
    }

    pub fn capable(&self, cap: u32) -> bool {
        cap < 64 && self.cap_effective & (1u64 << cap) != 0
    }

    /// security/commoncap.c:cap_emulate_setxuid: dropping every root uid clears the permitted
    /// and effective sets; dropping euid 0 clears effective; regaining euid 0 restores it.
    fn fix_caps_after_uid_change(&mut self, old: &Credentials) {
        let was_root = old.ruid.0 == 0 || old.euid.0 == 0 || old.suid.0 == 0;
        let now_root = self.ruid.0 == 0 || self.euid.0 == 0 || self.suid.0 == 0;
        if was_root && !now_root {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
        if old.euid.0 == 0 && self.euid.0 != 0 {
            self.cap_effective = 0;
        }
        if old.euid.0 != 0 && self.euid.0 == 0 {
            self.cap_effective = self.cap_permitted;
        }
    }

    /// setuid(2): with CAP_SETUID all three ids change; otherwise only the effective id, and
    /// only to the real or saved id (kernel/sys.c:__sys_setuid).
    pub fn setuid(&self, uid: u32) -> Result<Credentials, Errno> {
        if uid == NO_ID {
            return Err(Errno::EINVAL);
        }
        let mut n = self.clone();
        if self.capable(CAP_SETUID) {
            n.ruid = Uid(uid);
            n.euid = Uid(uid);
            n.suid = Uid(uid);
        } else if uid == self.ruid.0 || uid == self.suid.0 {
            n.euid = Uid(uid);
        } else {
            return Err(Errno::EPERM);
        }
        n.fix_caps_after_uid_change(self);
        Ok(n)
    }

    /// setreuid(2) (kernel/sys.c:__sys_setreuid): the saved id follows the new effective id
    /// when the real id is set or the effective id differs from the old real id.
    pub fn setreuid(&self, r: u32, e: u32) -> Result<Credentials, Errno> {
        let cap = self.capable(CAP_SETUID);
        let mut n = self.clone();
        if r != NO_ID {
            if !(cap || r == self.ruid.0 || r == self.euid.0) {
                return Err(Errno::EPERM);
            }
            n.ruid = Uid(r);
        }
        if e != NO_ID {
            if !(cap || e == self.ruid.0 || e == self.euid.0 || e == self.suid.0) {
                return Err(Errno::EPERM);
            }
            n.euid = Uid(e);
        }
        if r != NO_ID || (e != NO_ID && e != self.ruid.0) {
            n.suid = n.euid;
        }
        n.fix_caps_after_uid_change(self);
        Ok(n)
    }

    /// setresuid(2): each id, unless -1, must be one of the current three without CAP_SETUID.
    pub fn setresuid(&self, r: u32, e: u32, s: u32) -> Result<Credentials, Errno> {
        let cap = self.capable(CAP_SETUID);
        let ok =
            |x: u32| x == NO_ID || cap || x == self.ruid.0 || x == self.euid.0 || x == self.suid.0;
        if !(ok(r) && ok(e) && ok(s)) {
            return Err(Errno::EPERM);
        }
        let mut n = self.clone();
        if r != NO_ID {
            n.ruid = Uid(r);
        }
        if e != NO_ID {
            n.euid = Uid(e);
        }
        if s != NO_ID {
            n.suid = Uid(s);
        }
        n.fix_caps_after_uid_change(self);
        Ok(n)
    }

    /// setgid(2), the gid twin of `setuid`, gated by CAP_SETGID. Capabilities do not change.
    pub fn setgid(&self, gid: u32) -> Result<Credentials, Errno> {
        if gid == NO_ID {
            return Err(Errno::EINVAL);
        }
        let mut n = self.clone();
        if self.capable(CAP_SETGID) {
            n.rgid = Gid(gid);
            n.egid = Gid(gid);
            n.sgid = Gid(gid);
        } else if gid == self.rgid.0 || gid == self.sgid.0 {
            n.egid = Gid(gid);
        } else {
            return Err(Errno::EPERM);
        }
        Ok(n)
    }

    /// setresgid(2).
    pub fn setresgid(&self, r: u32, e: u32, s: u32) -> Result<Credentials, Errno> {
        let cap = self.capable(CAP_SETGID);
        let ok =
            |x: u32| x == NO_ID || cap || x == self.rgid.0 || x == self.egid.0 || x == self.sgid.0;
        if !(ok(r) && ok(e) && ok(s)) {
            return Err(Errno::EPERM);
        }
        let mut n = self.clone();
        if r != NO_ID {
            n.rgid = Gid(r);
        }
        if e != NO_ID {
            n.egid = Gid(e);
        }
        if s != NO_ID {
            n.sgid = Gid(s);
        }
        Ok(n)
    }

    /// setgroups(2): CAP_SETGID required; at most NGROUPS_MAX entries.
    pub fn setgroups(&self, groups: &[u32]) -> Result<Credentials, Errno> {
        if groups.len() > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        if !self.capable(CAP_SETGID) {
            return Err(Errno::EPERM);
        }
        let mut n = self.clone();
        n.groups = groups.iter().map(|&g| Gid(g)).collect();
        n.groups.sort();
        Ok(n)
    }

    /// kernel/signal.c:kill_ok_by_cred: the sender's real or effective uid matches the
    /// target's real or saved uid, or the sender has CAP_KILL.
    pub fn may_signal(&self, target: &Credentials) -> bool {
        self.euid == target.suid
            || self.euid == target.ruid
            || self.ruid == target.suid
            || self.ruid == target.ruid
            || self.capable(CAP_KILL)
    }
}

impl Kernel {
    /// Applies a set*id change to `pid` (prepare_creds → commit_creds) and moves the process
    /// between RLIMIT_NPROC counters when its real uid changes.
    pub fn set_creds(
        &mut self,
        pid: Pid,
        change: impl FnOnce(&Credentials) -> Result<Credentials, Errno>,
    ) -> Result<(), Errno> {
        let p = self.proc_mut(pid)?;
        if p.is_zombie() {
            return Err(Errno::ESRCH);
        }
        let new = change(&p.creds)?;
        let (from, to) = (p.creds.ruid.0, new.ruid.0);
        p.creds = new;
        self.move_nproc(from, to);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(r: u32, e: u32, s: u32) -> Credentials {
        let mut c = Credentials::new(Uid(r), Gid(r));
        c.euid = Uid(e);
        c.suid = Uid(s);
        if r != 0 && e != 0 && s != 0 {
            c.cap_effective = 0;
            c.cap_permitted = 0;
        }
        c
    }

    fn ids(c: &Credentials) -> (u32, u32, u32) {
        (c.ruid.0, c.euid.0, c.suid.0)
    }

    #[test]
    fn setuid_table() {
        // (creds, uid, want) — setuid(2).
        let cases: &[(&str, Credentials, u32, Result<(u32, u32, u32), Errno>)] = &[
            (
                "root sets all three ids",
                user(0, 0, 0),
                1000,
                Ok((1000, 1000, 1000)),
            ),
            (
                "unprivileged may set euid to ruid",
                user(1000, 2000, 3000),
                1000,
                Ok((1000, 1000, 3000)),
            ),
            (
                "unprivileged may set euid to suid",
                user(1000, 2000, 3000),
                3000,
                Ok((1000, 3000, 3000)),
            ),
            (
                "unprivileged may not pick another uid",
                user(1000, 1000, 1000),
                0,
                Err(Errno::EPERM),
            ),
            (
                "-1 is not a valid uid",
                user(0, 0, 0),
                NO_ID,
                Err(Errno::EINVAL),
            ),
        ];
        for (name, c, uid, want) in cases {
            let got = c.setuid(*uid).map(|n| ids(&n));
            assert_eq!(&got, want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn dropping_root_clears_capabilities() {
        // capabilities(7): all of ruid/euid/suid becoming nonzero clears permitted and effective.
        let root = Credentials::new(Uid(0), Gid(0));
        let n = root.setuid(1000).unwrap();
        assert_eq!(
            (n.cap_effective, n.cap_permitted),
            (0, 0),
            "got {:?}, want (0,0)",
            (n.cap_effective, n.cap_permitted)
        );
        // seteuid(1000) keeps the permitted set, clears effective; seteuid(0) restores it.
        let e = root.setresuid(NO_ID, 1000, NO_ID).unwrap();
        assert_eq!(
            e.cap_effective, 0,
            "seteuid(1000): effective got {:#x}, want 0",
            e.cap_effective
        );
        assert_eq!(
            e.cap_permitted, CAP_ALL,
            "seteuid(1000): permitted got {:#x}",
            e.cap_permitted
        );
        let back = e.setresuid(NO_ID, 0, NO_ID).unwrap();
        assert_eq!(
            back.cap_effective, CAP_ALL,
            "seteuid(0): got {:#x}, want all",
            back.cap_effective
        );
    }

    #[test]
    fn setreuid_table() {
        let cases: &[(&str, Credentials, u32, u32, Result<(u32, u32, u32), Errno>)] = &[
            (
                "swap real and effective",
                user(1000, 2000, 2000),
                2000,
                1000,
                Ok((2000, 1000, 1000)),
            ),
            (
                "setting ruid moves suid to new euid",
                user(1000, 1000, 1000),
                1000,
                NO_ID,
                Ok((1000, 1000, 1000)),
            ),
            (
                "euid to saved keeps ruid",
                user(1000, 1000, 3000),
                NO_ID,
                3000,
                Ok((1000, 3000, 3000)),
            ),
            (
                "ruid may not become the saved id",
                user(1000, 1000, 3000),
                3000,
                NO_ID,
                Err(Errno::EPERM),
            ),
            (
                "euid may not become a stranger",
                user(1000, 1000, 1000),
                NO_ID,
                5,
                Err(Errno::EPERM),
            ),
        ];
        for (name, c, r, e, want) in cases {
            let got = c.setreuid(*r, *e).map(|n| ids(&n));
            assert_eq!(
                &got, want,
                "setreuid {}: got {:?}, want {:?}",
                name, got, want
            );
        }
    }

    #[test]
    fn setresuid_table() {
        let cases: &[(
            &str,
            Credentials,
            (u32, u32, u32),
            Result<(u32, u32, u32), Errno>,
        )] = &[
            ("permute own ids", user(1, 2, 3), (3, 1, 2), Ok((3, 1, 2))),
            (
                "-1 keeps each",
                user(1, 2, 3),
                (NO_ID, NO_ID, NO_ID),
                Ok((1, 2, 3)),
            ),
            (
                "foreign id without CAP_SETUID",
                user(1, 2, 3),
                (4, NO_ID, NO_ID),
                Err(Errno::EPERM),
            ),
            (
                "root may pick anything",
                user(0, 0, 0),
                (7, 8, 9),
                Ok((7, 8, 9)),
            ),
        ];
        for (name, c, (r, e, s), want) in cases {
            let got = c.setresuid(*r, *e, *s).map(|n| ids(&n));
            assert_eq!(
                &got, want,
                "setresuid {}: got {:?}, want {:?}",
                name, got, want
            );
        }
    }

    #[test]
    fn setgid_and_groups_need_cap_setgid() {
        let u = user(1000, 1000, 1000);
        assert_eq!(
            u.setgid(0).err(),
            Some(Errno::EPERM),
            "setgid(0) unprivileged"
        );
        assert_eq!(u.setgid(1000).map(|c| c.egid.0), Ok(1000));
        assert_eq!(
            u.setgroups(&[1, 2]).err(),
            Some(Errno::EPERM),
            "setgroups unprivileged"
        );
        let r = Credentials::new(Uid(0), Gid(0));
        let g = r.setgroups(&[5, 3]).unwrap();
        assert_eq!(g.groups, vec![Gid(3), Gid(5)], "got {:?}", g.groups);
        assert_eq!(
            r.setresgid(1, 2, 3).map(|c| (c.rgid.0, c.egid.0, c.sgid.0)),
            Ok((1, 2, 3))
        );
        assert_eq!(u.setresgid(1, NO_ID, NO_ID).err(), Some(Errno::EPERM));
    }

    #[test]
    fn kill_permission_table() {
        // kernel/signal.c:kill_ok_by_cred.
        let cases: &[(&str, Credentials, Credentials, bool)] = &[
            (
                "same real uid",
                user(1000, 1000, 1000),
                user(1000, 1000, 1000),
                true,
            ),
            (
                "sender euid = target suid",
                user(5, 1000, 5),
                user(7, 7, 1000),
                true,
            ),
            (
                "sender ruid = target ruid",
                user(1000, 5, 5),
                user(1000, 7, 7),
                true,
            ),
            (
                "target euid alone does not count",
                user(1000, 1000, 1000),
                user(7, 1000, 7),
                false,
            ),
            (
                "stranger",
                user(1000, 1000, 1000),
                user(2000, 2000, 2000),
                false,
            ),
            (
                "root has CAP_KILL",
                user(0, 0, 0),
                user(2000, 2000, 2000),
                true,
            ),
        ];
        for (name, s, t, want) in cases {
            assert_eq!(s.may_signal(t), *want, "{}: want {}", name, want);
        }
    }

    #[test]
    fn setgroups_limit_is_ngroups_max() {
        let r = Credentials::new(Uid(0), Gid(0));
        let too_many = vec![1u32; NGROUPS_MAX + 1];
        assert_eq!(
            r.setgroups(&too_many).err(),
            Some(Errno::EINVAL),
            "more than NGROUPS_MAX"
        );
    }

    #[test]
    fn setresuid_to_root_restores_effective_caps_only_if_permitted() {
        // After a full drop (permitted cleared) regaining uid 0 is impossible without CAP_SETUID.
        let dropped = Credentials::new(Uid(0), Gid(0)).setuid(1000).unwrap();
        assert_eq!(dropped.setresuid(0, 0, 0).err(), Some(Errno::EPERM));
        let saved = Credentials::new(Uid(0), Gid(0))
            .setresuid(1000, 1000, 0)
            .unwrap();
        assert_eq!(saved.cap_effective, 0, "euid 1000: no effective caps");
        let back = saved.setresuid(NO_ID, 0, NO_ID).unwrap();
        assert_eq!(back.cap_effective, CAP_ALL, "saved root can come back");
    }
}
