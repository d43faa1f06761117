//! PID namespaces (pid_namespaces(7), kernel/pid.c, kernel/pid_namespace.c): a root and nested
//! children, numbers allocated per namespace sequentially and wrapping at pid_max, one number
//! per level for every pid, and translation between levels.

use std::collections::BTreeMap;

use crate::errno::Errno;
use crate::ids::{NsId, Pid};
use crate::kernel::Kernel;

/// include/linux/pid.h:RESERVED_PIDS: after the first wrap, allocation resumes here, not at 1,
/// so that low numbers stay with long-lived daemons (kernel/pid.c:alloc_pid).
pub const RESERVED_PIDS: i32 = 300;
/// kernel/pid_namespace.c:MAX_PID_NS_LEVEL: nesting deeper fails with ENOSPC.
pub const MAX_PID_NS_LEVEL: u32 = 32;
/// include/linux/threads.h:PID_MAX_LIMIT.
pub const PID_MAX_LIMIT: i32 = 4 * 1024 * 1024;

/// struct pid_namespace.
#[derive(Debug)]
pub struct PidNamespace {
    /// Immutable after creation.
    pub parent: Option<NsId>,
    /// 0 for the root; immutable after creation.
    pub level: u32,
    /// Number in this namespace → the pid record (its root number). Owned by the allocator
    /// below; an entry lives as long as the pid record (process, group or session) does.
    pub map: BTreeMap<i32, Pid>,
    /// The last number handed out (the idr cursor minus one).
    pub last: i32,
    /// The namespace's init (pid 1): it reaps orphans (pid_ns->child_reaper).
    pub reaper: Option<Pid>,
    /// Set when init died: no more pids here (PIDNS_ADDING cleared; alloc_pid fails ENOMEM).
    pub dead: bool,
    /// The Loader holds it (created by NS_CREATE, released by NS_DESTROY). Namespaces made by
    /// spawn are held only by their processes and go away with the last pid.
    pub host_ref: bool,
    /// Child namespaces still alive (each keeps its parent alive, as get_pid_ns does).
    pub children: u32,
}

impl PidNamespace {
    pub fn new(parent: Option<NsId>, level: u32, host_ref: bool) -> PidNamespace {
        PidNamespace {
            parent,
            level,
            map: BTreeMap::new(),
            last: 0,
            reaper: None,
            dead: false,
            host_ref,
            children: 0,
        }
    }

    /// The first free number in [lo, hi).
    fn first_free(&self, lo: i32, hi: i32) -> Option<i32> {
        let mut want = lo;
        for (&k, _) in self.map.range(lo..hi) {
            if k != want {
                break;
            }
            want += 1;
        }
        if want < hi {
            Some(want)
        } else {
            None
        }
    }

    /// idr_alloc_cyclic(idr, start = pid_min, end = pid_max): from the cursor up, then wrap to
    /// pid_min, skipping numbers in use. pid_min is RESERVED_PIDS once the cursor has passed it.
    pub fn alloc_nr(&mut self, pid_max: i32) -> Option<i32> {
        let pid_min = if self.last >= RESERVED_PIDS {
            RESERVED_PIDS
        } else {
            1
        };
        let start = (self.last + 1).max(pid_min);
        let nr = self
            .first_free(start, pid_max)
            .or_else(|| self.first_free(pid_min, start.min(pid_max)))?;
        self.last = nr;
        Some(nr)
    }
}

/// A pid record (struct pid): one number per level, alive while a process, a process group or
/// a session uses it (kernel/pid.c:free_pid runs when the last PIDTYPE link goes).
#[derive(Debug)]
pub struct PidRecord {
    /// (namespace, number) from the root (level 0) to the deepest namespace.
    pub numbers: Vec<(NsId, i32)>,
    pub uses: u8,
}

pub const USE_TASK: u8 = 1;
pub const USE_PGRP: u8 = 2;
pub const USE_SESSION: u8 = 4;
/// A terminal's foreground group holds its number (tty->ctrl.pgrp is a counted struct pid).
pub const USE_TTY_FG: u8 = 8;

impl Kernel {
    /// kernel/pid.c:alloc_pid: a number at every level from `ns` up to the root. Fails ENOMEM
    /// when `ns`'s init has died, EAGAIN when a level is full.
    pub(crate) fn alloc_pid(&mut self, ns: NsId) -> Result<Pid, Errno> {
        let mut chain = Vec::new();
        let mut cur = Some(ns);
        while let Some(n) = cur {
            chain.push(n);
            cur = self.namespaces.get(&n).and_then(|x| x.parent);
        }
        if self.namespaces.get(&ns).map_or(true, |n| n.dead) {
            return Err(Errno::ENOMEM);
        }
        let pid_max = self.opts.pid_max;
        let mut got: Vec<(NsId, i32)> = Vec::with_capacity(chain.len());
        for &n in &chain {
            let space = self.namespaces.get_mut(&n).ok_or(Errno::ENOMEM)?;
            match space.alloc_nr(pid_max) {
                Some(nr) => {
                    // Reserve at once so a deeper level cannot collide with itself.
                    space.map.insert(nr, Pid(0));
                    got.push((n, nr));
                }
                None => {
                    for &(n2, nr2) in &got {
                        if let Some(s) = self.namespaces.get_mut(&n2) {
                            s.map.remove(&nr2);
                        }
                    }
                    return Err(Errno::EAGAIN);
                }
            }
        }
        got.reverse();
        let root = Pid(got[0].1);
        for &(n, nr) in &got {
            if let Some(s) = self.namespaces.get_mut(&n) {
                s.map.insert(nr, root);
                if nr == 1 && n == ns {
                    s.reaper = Some(root);
                }
            }
        }
        self.pids.insert(
            root,
            PidRecord {
                numbers: got,
                uses: 0,
            },
        );
        Ok(root)
    }

    pub(crate) fn pid_use(&mut self, pid: Pid, what: u8) {
        if let Some(r) = self.pids.get_mut(&pid) {
            r.uses |= what;
        }
    }

    /// Drops one use; the last one frees the numbers (kernel/pid.c:free_pid).
    pub(crate) fn pid_unuse(&mut self, pid: Pid, what: u8) {
        let free = match self.pids.get_mut(&pid) {
            Some(r) => {
                r.uses &= !what;
                r.uses == 0
            }
            None => false,
        };
        if !free {
            return;
        }
        if let Some(r) = self.pids.remove(&pid) {
            for &(n, nr) in &r.numbers {
                if let Some(s) = self.namespaces.get_mut(&n) {
                    s.map.remove(&nr);
                    if s.reaper == Some(pid) {
                        s.reaper = None;
                    }
                }
            }
            if let Some(&(deepest, _)) = r.numbers.last() {
                self.maybe_free_ns(deepest);
            }
        }
    }

    /// A namespace nobody holds (no pids, no children, no host reference) is freed, and its
    /// parent may follow (put_pid_ns).
    pub(crate) fn maybe_free_ns(&mut self, ns: NsId) {
        let mut cur = Some(ns);
        while let Some(n) = cur {
            let (free, parent) = match self.namespaces.get(&n) {
                Some(s) => (
                    s.map.is_empty() && s.children == 0 && !s.host_ref && s.parent.is_some(),
                    s.parent,
                ),
                None => (false, None),
            };
            if !free {
                return;
            }
            self.namespaces.remove(&n);
            if let Some(p) = parent {
                if let Some(ps) = self.namespaces.get_mut(&p) {
                    ps.children -= 1;
                }
            }
            cur = parent;
        }
    }

    /// create_pid_namespace: a child of `parent`, ENOSPC past MAX_PID_NS_LEVEL.
    pub(crate) fn new_namespace(&mut self, parent: NsId, host_ref: bool) -> Result<NsId, Errno> {
        let level = self.namespaces.get(&parent).ok_or(Errno::EINVAL)?.level + 1;
        if level > MAX_PID_NS_LEVEL {
            return Err(Errno::ENOSPC);
        }
        let id = NsId(self.next_ns);
        self.next_ns += 1;
        self.namespaces
            .insert(id, PidNamespace::new(Some(parent), level, host_ref));
        if let Some(p) = self.namespaces.get_mut(&parent) {
            p.children += 1;
        }
        Ok(id)
    }

    /// NS_CREATE: a namespace the Loader holds until NS_DESTROY.
    pub fn ns_create(&mut self, parent: NsId) -> Result<NsId, Errno> {
        self.new_namespace(parent, true)
    }

    /// NS_DESTROY: drop the Loader's hold. EINVAL for the root or an unknown namespace; the
    /// namespace itself lives on while processes or child namespaces use it.
    pub fn ns_destroy(&mut self, ns: NsId) -> Result<(), Errno> {
        if ns == self.root_ns {
            return Err(Errno::EINVAL);
        }
        let s = self.namespaces.get_mut(&ns).ok_or(Errno::EINVAL)?;
        if !s.host_ref {
            return Err(Errno::EINVAL);
        }
        s.host_ref = false;
        self.maybe_free_ns(ns);
        Ok(())
    }

    /// pid_nr_ns: the number of `pid` in `ns`, 0 when it is not visible there.
    pub fn translate(&self, pid: Pid, ns: NsId) -> i32 {
        self.pids
            .get(&pid)
            .and_then(|r| r.numbers.iter().find(|(n, _)| *n == ns))
            .map_or(0, |&(_, nr)| nr)
    }

    /// find_pid_ns: the pid record numbered `nr` in `ns`.
    pub fn lookup(&self, ns: NsId, nr: i32) -> Option<Pid> {
        self.namespaces
            .get(&ns)
            .and_then(|s| s.map.get(&nr))
            .copied()
            .filter(|p| p.0 != 0)
    }

    /// The namespace a pid was allocated in (its deepest level, ns_of_pid).
    pub fn ns_of(&self, pid: Pid) -> Option<NsId> {
        self.pids
            .get(&pid)
            .and_then(|r| r.numbers.last())
            .map(|&(n, _)| n)
    }

    /// Whether `ns` is `anc` or nested inside it.
    pub fn ns_within(&self, ns: NsId, anc: NsId) -> bool {
        let mut cur = Some(ns);
        while let Some(n) = cur {
            if n == anc {
                return true;
            }
            cur = self.namespaces.get(&n).and_then(|s| s.parent);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::KernelOptions;

    fn ns_alloc_sequence(last: i32, pid_max: i32, used: &[i32], n: usize) -> Vec<Option<i32>> {
        let mut s = PidNamespace::new(None, 0, true);
        s.last = last;
        for &u in used {
            s.map.insert(u, Pid(u));
        }
        (0..n)
            .map(|_| {
                let r = s.alloc_nr(pid_max);
                if let Some(nr) = r {
                    s.map.insert(nr, Pid(nr));
                }
                r
            })
            .collect()
    }

    #[test]
    fn alloc_nr_table() {
        // kernel/pid.c:alloc_pid with idr_alloc_cyclic.
        let cases: &[(&str, i32, i32, &[i32], usize, &[Option<i32>])] = &[
            (
                "fresh namespace starts at 1",
                0,
                100,
                &[],
                3,
                &[Some(1), Some(2), Some(3)],
            ),
            (
                "skips numbers in use",
                0,
                100,
                &[2, 3],
                2,
                &[Some(1), Some(4)],
            ),
            (
                "wraps to 1 below RESERVED_PIDS",
                8,
                10,
                &[1],
                2,
                &[Some(9), Some(2)],
            ),
            ("full namespace fails", 0, 3, &[1, 2], 1, &[None]),
            (
                "wraps to RESERVED_PIDS once past it",
                998,
                1000,
                &[],
                2,
                &[Some(999), Some(300)],
            ),
            (
                "after wrap skips in-use reserved range",
                999,
                1000,
                &[300, 301],
                1,
                &[Some(302)],
            ),
        ];
        for (name, last, max, used, n, want) in cases {
            let got = ns_alloc_sequence(*last, *max, used, *n);
            assert_eq!(&got[..], *want, "{}: got {:?}, want {:?}", name, got, want);
        }
    }

    #[test]
    fn nested_pid_has_a_number_per_level() {
        // pid_namespaces(7): a process has a pid in its namespace and in every ancestor.
        let mut k = Kernel::new(KernelOptions::default());
        let root = k.root_ns;
        let a = k.alloc_pid(root).unwrap();
        let child = k.ns_create(root).unwrap();
        let b = k.alloc_pid(child).unwrap();
        assert_eq!(
            k.translate(b, child),
            1,
            "first pid of a new namespace: got {}, want 1",
            k.translate(b, child)
        );
        assert_eq!(
            k.translate(b, root),
            2,
            "root number: got {}, want 2",
            k.translate(b, root)
        );
        assert_eq!(
            k.translate(a, child),
            0,
            "parent-ns pid seen from child: got {}, want 0",
            k.translate(a, child)
        );
        assert_eq!(k.lookup(child, 1), Some(b));
        assert_eq!(k.lookup(root, 2), Some(b));
        assert_eq!(k.lookup(child, 2), None);
    }

    #[test]
    fn namespace_depth_is_limited() {
        // MAX_PID_NS_LEVEL = 32: clone(CLONE_NEWPID) beyond fails ENOSPC.
        let mut k = Kernel::new(KernelOptions::default());
        let mut ns = k.root_ns;
        for _ in 0..MAX_PID_NS_LEVEL {
            ns = k.ns_create(ns).unwrap();
        }
        assert_eq!(k.ns_create(ns), Err(Errno::ENOSPC), "level 33: want ENOSPC");
    }

    #[test]
    fn ns_destroy_rules() {
        let mut k = Kernel::new(KernelOptions::default());
        let root = k.root_ns;
        assert_eq!(
            k.ns_destroy(root),
            Err(Errno::EINVAL),
            "root namespace cannot be destroyed"
        );
        let c = k.ns_create(root).unwrap();
        assert_eq!(k.ns_destroy(c), Ok(()));
        assert!(
            !k.namespaces.contains_key(&c),
            "an empty released namespace is freed"
        );
        assert_eq!(k.ns_destroy(c), Err(Errno::EINVAL), "twice: want EINVAL");
    }

    #[test]
    fn freeing_the_last_pid_frees_a_released_namespace() {
        let mut k = Kernel::new(KernelOptions::default());
        let c = k.ns_create(k.root_ns).unwrap();
        let p = k.alloc_pid(c).unwrap();
        k.pid_use(p, USE_TASK);
        k.ns_destroy(c).unwrap();
        assert!(k.namespaces.contains_key(&c), "still used by a pid");
        k.pid_unuse(p, USE_TASK);
        assert!(
            !k.namespaces.contains_key(&c),
            "got namespace alive, want freed with its last pid"
        );
        assert!(k.pids.is_empty(), "pid record leaked");
    }

    #[test]
    fn ns_within_follows_parents() {
        let mut k = Kernel::new(KernelOptions::default());
        let root = k.root_ns;
        let a = k.ns_create(root).unwrap();
        let b = k.ns_create(a).unwrap();
        let cases = [
            (b, root, true),
            (b, a, true),
            (a, b, false),
            (root, a, false),
            (a, a, true),
        ];
        for (ns, anc, want) in cases {
            assert_eq!(
                k.ns_within(ns, anc),
                want,
                "{:?} within {:?}: want {}",
                ns,
                anc,
                want
            );
        }
    }

    #[test]
    fn namespace_with_child_is_kept_until_child_goes() {
        let mut k = Kernel::new(KernelOptions::default());
        let a = k.ns_create(k.root_ns).unwrap();
        let b = k.ns_create(a).unwrap();
        k.ns_destroy(a).unwrap();
        assert!(
            k.namespaces.contains_key(&a),
            "parent of a live namespace stays"
        );
        k.ns_destroy(b).unwrap();
        assert!(
            !k.namespaces.contains_key(&a) && !k.namespaces.contains_key(&b),
            "both freed"
        );
    }
}
