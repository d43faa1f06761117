//! One operation: decode its arguments (bounds-checked, see `wire`), call the kernel, encode
//! the result. Every kernel-level operation of the wire format is listed here, in op order.

use crate::errno::{Errno, Fault};
use crate::ids::{ContainerHandle, NsId, Pid, TtyHandle};
use crate::kernel::Kernel;
use crate::rlimits::Rlimit;
use crate::signal_delivery::Delivery;
use crate::signals::{Handler, SigAction, SigSet};
use crate::wire::*;

/// Outer: a host fault (malformed operation). Inner: the guest-visible outcome.
pub(crate) type OpResult = Result<Result<(), Errno>, Fault>;

fn pid(a: &mut Args) -> Result<Pid, Fault> {
    a.i32().map(Pid)
}

/// Caller word: 0 = the host.
fn caller(a: &mut Args) -> Result<Option<Pid>, Fault> {
    let v = a.i32()?;
    Ok(if v == 0 { None } else { Some(Pid(v)) })
}

fn put<T>(
    r: Result<T, Errno>,
    out: &mut Out,
    f: impl FnOnce(T, &mut Out) -> Result<(), Fault>,
) -> OpResult {
    match r {
        Ok(v) => {
            f(v, out)?;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}

fn one(r: Result<i32, Errno>, out: &mut Out) -> OpResult {
    put(r, out, |v, o| o.push(v))
}

fn unit(r: Result<(), Errno>) -> OpResult {
    Ok(r)
}

pub(crate) fn exec_kernel(k: &mut Kernel, op: i32, a: &mut Args, out: &mut Out) -> OpResult {
    match op {
        OP_KERNEL_STATS => {
            a.end()?;
            for c in k.object_counts() {
                out.push(c as i32)?;
            }
            out.push(k.containers.len() as i32)?;
            out.push(k.events.len() as i32)?;
            unit(Ok(()))
        }
        OP_PAUSE | OP_RESUME => {
            a.end()?;
            if op == OP_PAUSE {
                k.pause()
            } else {
                k.resume()
            }
            unit(Ok(()))
        }
        OP_IS_PAUSED => {
            a.end()?;
            one(Ok(k.paused as i32), out)
        }
        OP_DRAIN_EVENTS => {
            let max = a.u32()? as usize;
            a.end()?;
            out.push(0)?;
            out.push(0)?;
            let mut n = 0;
            while n < max && out.room() >= 4 {
                let e = match k.events.pop_front() {
                    Some(e) => e,
                    None => break,
                };
                for w in e.to_words() {
                    out.push(w)?;
                }
                n += 1;
            }
            out.set(2, n as i32);
            out.set(3, !k.events.is_empty() as i32);
            unit(Ok(()))
        }
        OP_NS_CREATE => {
            let parent = NsId(a.u32()?);
            a.end()?;
            one(k.ns_create(parent).map(|n| n.0 as i32), out)
        }
        OP_NS_DESTROY => {
            let ns = NsId(a.u32()?);
            a.end()?;
            unit(k.ns_destroy(ns))
        }
        OP_TRANSLATE => {
            let (p, ns) = (pid(a)?, NsId(a.u32()?));
            a.end()?;
            one(Ok(k.translate(p, ns)), out)
        }
        OP_LOOKUP => {
            let (ns, nr) = (NsId(a.u32()?), a.i32()?);
            a.end()?;
            one(k.lookup(ns, nr).map(|p| p.0).ok_or(Errno::ESRCH), out)
        }
        OP_CONTAINER_REGISTER => {
            let limit = a.u32()?;
            a.end()?;
            one(Ok(k.container_register(limit).0 as i32), out)
        }
        OP_CONTAINER_UNREGISTER => {
            let c = ContainerHandle(a.u32()?);
            a.end()?;
            unit(k.container_unregister(c))
        }
        OP_CONTAINER_KILL => {
            let (c, sig) = (ContainerHandle(a.u32()?), a.u32()?);
            a.end()?;
            one(k.container_kill(c, sig).map(|n| n as i32), out)
        }
        OP_CONTAINER_ALL_EXITED => {
            let c = ContainerHandle(a.u32()?);
            a.end()?;
            one(k.container_all_exited(c).map(|b| b as i32), out)
        }
        OP_PS => {
            let (c, after, max) = (ContainerHandle(a.u32()?), a.i32()?, a.u32()? as usize);
            a.end()?;
            let fit = out.room().saturating_sub(2) / 7;
            let want = max.min(fit);
            let rows = k.ps(c, after, want + 1);
            let more = rows.len() > want;
            out.push(rows.len().min(want) as i32)?;
            out.push(more as i32)?;
            for r in rows.iter().take(want) {
                for w in [
                    r.pid.0,
                    r.ppid,
                    r.pgid,
                    r.sid,
                    r.state,
                    r.uid as i32,
                    r.container.0 as i32,
                ] {
                    out.push(w)?;
                }
            }
            unit(Ok(()))
        }
        OP_SPAWN_INIT => {
            let (c, ns, flags, uid, gid) = (
                ContainerHandle(a.u32()?),
                NsId(a.u32()?),
                a.u32()?,
                a.u32()?,
                a.u32()?,
            );
            a.end()?;
            put(
                k.spawn_init(c, ns, flags, uid, gid),
                out,
                |(p, nr, ns), o| {
                    o.push(p.0)?;
                    o.push(nr)?;
                    o.push(ns.0 as i32)
                },
            )
        }
        OP_SPAWN => {
            let (parent, flags, pgid) = (pid(a)?, a.u32()?, a.i32()?);
            a.end()?;
            put(k.spawn(parent, flags, pgid), out, |(p, nr), o| {
                o.push(p.0)?;
                o.push(nr)
            })
        }
        OP_EXEC => {
            let p = pid(a)?;
            a.end()?;
            unit(k.exec(p))
        }
        OP_EXIT => {
            let (p, code) = (pid(a)?, a.i32()?);
            a.end()?;
            unit(k.exit(p, code))
        }
        OP_EXIT_SIGNALED => {
            let (p, sig, core) = (pid(a)?, a.u32()?, a.bool()?);
            a.end()?;
            unit(k.exit_signaled(p, sig, core))
        }
        OP_SET_SUBREAPER => {
            let (p, on) = (pid(a)?, a.bool()?);
            a.end()?;
            unit(k.set_subreaper(p, on))
        }
        OP_PROC_INFO => {
            let p = pid(a)?;
            a.end()?;
            let nr = k.getpid(p);
            put(
                k.proc(p).map(|x| (x, nr.unwrap_or(0))),
                out,
                |(x, nr), o| {
                    for w in [
                        x.parent.map_or(0, |pp| pp.0),
                        x.pgid.0,
                        x.sid.0,
                        x.state as i32,
                        x.creds.ruid.0 as i32,
                        x.container.0 as i32,
                        x.ns.0 as i32,
                        nr,
                        x.exit_status,
                    ] {
                        o.push(w)?;
                    }
                    Ok(())
                },
            )
        }
        OP_GETPID => {
            let p = pid(a)?;
            a.end()?;
            one(k.getpid(p), out)
        }
        OP_GETPPID => {
            let p = pid(a)?;
            a.end()?;
            one(k.getppid(p), out)
        }
        OP_GETPGID | OP_GETSID => {
            let (c, nr) = (pid(a)?, a.i32()?);
            a.end()?;
            one(
                if op == OP_GETPGID {
                    k.getpgid(c, nr)
                } else {
                    k.getsid(c, nr)
                },
                out,
            )
        }
        OP_SETPGID => {
            let (c, p, g) = (pid(a)?, a.i32()?, a.i32()?);
            a.end()?;
            unit(k.setpgid(c, p, g))
        }
        OP_SETSID => {
            let c = pid(a)?;
            a.end()?;
            one(k.setsid(c), out)
        }
        OP_TTY_ATTACH => {
            let (c, t, steal) = (pid(a)?, TtyHandle(a.u32()?), a.bool()?);
            a.end()?;
            unit(k.tty_attach(c, t, steal))
        }
        OP_TTY_DETACH => {
            let c = pid(a)?;
            a.end()?;
            unit(k.tty_detach(c))
        }
        OP_TCGETPGRP => {
            let (c, t) = (pid(a)?, TtyHandle(a.u32()?));
            a.end()?;
            one(k.tcgetpgrp(c, t), out)
        }
        OP_TCSETPGRP => {
            let (c, t, g) = (pid(a)?, TtyHandle(a.u32()?), a.i32()?);
            a.end()?;
            unit(k.tcsetpgrp(c, t, g))
        }
        OP_TTY_FOREGROUND => {
            let p = pid(a)?;
            a.end()?;
            put(k.tty_foreground(p), out, |(t, g), o| {
                o.push(t.0 as i32)?;
                o.push(g.0)
            })
        }
        OP_TTY_CHECK => {
            let (c, t, sig) = (pid(a)?, TtyHandle(a.u32()?), a.u32()?);
            a.end()?;
            unit(k.tty_check(c, t, sig))
        }
        OP_KILL | OP_TKILL => {
            let (s, p, sig) = (caller(a)?, a.i32()?, a.u32()?);
            a.end()?;
            unit(if op == OP_KILL {
                k.kill(s, p, sig)
            } else {
                k.tkill(s, p, sig)
            })
        }
        OP_SIGACTION => {
            let (p, sig, set) = (pid(a)?, a.u32()?, a.bool()?);
            let (kind, h, flags, mask) = (a.i32()?, a.i32()?, a.u32()?, a.u64()?);
            a.end()?;
            let new = if set {
                let handler = Handler::from_wire(kind, h).ok_or(Fault::BadArg)?;
                Some(SigAction {
                    handler,
                    flags,
                    mask: SigSet(mask),
                })
            } else {
                None
            };
            put(k.sigaction(p, sig, new), out, |old, o| {
                let (kind, h) = old.handler.to_wire();
                o.push(kind)?;
                o.push(h)?;
                o.push(old.flags as i32)?;
                o.push_u64(old.mask.0)
            })
        }
        OP_SIGPROCMASK => {
            let (p, how, set, mask) = (pid(a)?, a.i32()?, a.bool()?, a.u64()?);
            a.end()?;
            put(
                k.sigprocmask(p, how, if set { Some(SigSet(mask)) } else { None }),
                out,
                |old, o| o.push_u64(old.0),
            )
        }
        OP_SIGPENDING => {
            let p = pid(a)?;
            a.end()?;
            put(k.sigpending(p), out, |s, o| o.push_u64(s.0))
        }
        OP_SIGRETURN => {
            let (p, mask) = (pid(a)?, a.u64()?);
            a.end()?;
            unit(k.sigreturn(p, SigSet(mask)))
        }
        OP_DEQUEUE => {
            let p = pid(a)?;
            a.end()?;
            put(k.dequeue(p), out, |d, o| {
                let w: [i32; 11] = match d {
                    Delivery::None => [0; 11],
                    Delivery::Handler {
                        sig,
                        handler,
                        flags,
                        old_mask,
                        code,
                        sender,
                        uid,
                        status,
                    } => {
                        let (lo, hi) = old_mask.words();
                        [
                            1,
                            sig as i32,
                            handler as i32,
                            flags as i32,
                            lo,
                            hi,
                            code,
                            sender,
                            uid as i32,
                            status,
                            0,
                        ]
                    }
                    Delivery::Terminate { sig, core } => {
                        [2, sig as i32, 0, 0, 0, 0, 0, 0, 0, 0, core as i32]
                    }
                    Delivery::Stop { sig } => [3, sig as i32, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                };
                for x in w {
                    o.push(x)?;
                }
                Ok(())
            })
        }
        OP_WAIT => {
            let (c, idtype, id, opts, waitid) =
                (caller(a)?, a.i32()?, a.i32()?, a.u32()?, a.bool()?);
            a.end()?;
            put(k.wait(c, idtype, id, opts, waitid), out, |w, o| {
                for x in [w.pid, w.status, w.code, w.si_status, w.uid as i32] {
                    o.push(x)?;
                }
                Ok(())
            })
        }
        OP_GETCREDS => {
            let p = pid(a)?;
            a.end()?;
            put(k.proc(p).map(|x| x.creds.clone()), out, |c, o| {
                for x in [
                    c.ruid.0,
                    c.euid.0,
                    c.suid.0,
                    c.rgid.0,
                    c.egid.0,
                    c.sgid.0,
                    c.groups.len() as u32,
                ] {
                    o.push(x as i32)?;
                }
                o.push_u64(c.cap_effective)?;
                o.push_u64(c.cap_permitted)
            })
        }
        OP_SETUID | OP_SETGID => {
            let (p, id) = (pid(a)?, a.u32()?);
            a.end()?;
            unit(k.set_creds(p, |c| {
                if op == OP_SETUID {
                    c.setuid(id)
                } else {
                    c.setgid(id)
                }
            }))
        }
        OP_SETREUID => {
            let (p, r, e) = (pid(a)?, a.u32()?, a.u32()?);
            a.end()?;
            unit(k.set_creds(p, |c| c.setreuid(r, e)))
        }
        OP_SETRESUID | OP_SETRESGID => {
            let (p, r, e, s) = (pid(a)?, a.u32()?, a.u32()?, a.u32()?);
            a.end()?;
            unit(k.set_creds(p, |c| {
                if op == OP_SETRESUID {
                    c.setresuid(r, e, s)
                } else {
                    c.setresgid(r, e, s)
                }
            }))
        }
        OP_SETGROUPS => {
            let (p, n) = (pid(a)?, a.u32()? as usize);
            let groups: Vec<u32> = a.remaining().iter().take(n).map(|&g| g as u32).collect();
            a.skip(n)?;
            a.end()?;
            unit(k.set_creds(p, |c| c.setgroups(&groups)))
        }
        OP_GETGROUPS => {
            let (p, max) = (pid(a)?, a.u32()? as usize);
            a.end()?;
            put(k.proc(p).map(|x| x.creds.groups.clone()), out, |g, o| {
                // getgroups(2): size 0 asks for the count; a too-small size is EINVAL, which
                // the binding never sends (it asks with the count first).
                o.push(g.len() as i32)?;
                for x in g.iter().take(max) {
                    o.push(x.0 as i32)?;
                }
                Ok(())
            })
        }
        OP_SET_CAPS => {
            let (p, eff, perm) = (pid(a)?, a.u64()?, a.u64()?);
            a.end()?;
            unit(k.proc_mut(p).map(|x| {
                x.creds.cap_effective = eff & perm;
                x.creds.cap_permitted = perm;
            }))
        }
        OP_GETRLIMIT => {
            let (p, res) = (pid(a)?, a.u32()?);
            a.end()?;
            put(k.prlimit(Some(p), p, res, None), out, |r, o| {
                o.push_u64(r.cur)?;
                o.push_u64(r.max)
            })
        }
        OP_PRLIMIT => {
            let (c, p, res, set, cur, max) =
                (caller(a)?, pid(a)?, a.u32()?, a.bool()?, a.u64()?, a.u64()?);
            a.end()?;
            let new = if set { Some(Rlimit { cur, max }) } else { None };
            put(k.prlimit(c, p, res, new), out, |r, o| {
                o.push_u64(r.cur)?;
                o.push_u64(r.max)
            })
        }
        _ => Err(Fault::BadOp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Runtime;

    fn call(rt: &mut Runtime, io: &mut [i32], words: &[i32]) -> Vec<i32> {
        io[..words.len()].copy_from_slice(words);
        let n = rt.dispatch(io, words.len());
        io[..n].to_vec()
    }

    fn kernel_with_init(rt: &mut Runtime, io: &mut [i32]) -> i32 {
        let k = call(rt, io, &[OP_CREATE_KERNEL, 0, 0, 0])[2];
        let c = call(rt, io, &[OP_CONTAINER_REGISTER, k, 0])[2];
        let r = call(rt, io, &[OP_SPAWN_INIT, k, c, 1, 0, 0, 0]);
        assert_eq!(r[0], 0, "spawn_init: got {:?}", r);
        k
    }

    #[test]
    fn drain_events_pages_by_max() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 256];
        let k = kernel_with_init(&mut rt, &mut io);
        call(&mut rt, &mut io, &[OP_EXIT, k, 1, 0]);
        let r = call(&mut rt, &mut io, &[OP_DRAIN_EVENTS, k, 1]);
        assert_eq!((r[2], r[3]), (1, 1), "one event and more to come: {:?}", r);
        let r = call(&mut rt, &mut io, &[OP_DRAIN_EVENTS, k, 100]);
        assert_eq!(r[3], 0, "drained");
        assert_eq!(r[1], 0, "no events pending in the header");
    }

    #[test]
    fn ps_pages_and_reports_more() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 256];
        let k = kernel_with_init(&mut rt, &mut io);
        for _ in 0..4 {
            assert_eq!(call(&mut rt, &mut io, &[OP_SPAWN, k, 1, 0, 0])[0], 0);
        }
        let r = call(&mut rt, &mut io, &[OP_PS, k, 0, 0, 2]);
        assert_eq!((r[2], r[3]), (2, 1), "2 rows, more: {:?}", r);
        assert_eq!((r[4], r[11]), (1, 2), "rows 1 and 2");
        let r = call(&mut rt, &mut io, &[OP_PS, k, 0, 2, 10]);
        assert_eq!((r[2], r[3]), (3, 0), "the rest: {:?}", r);
    }

    #[test]
    fn sigaction_wire_round_trip() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 64];
        let k = kernel_with_init(&mut rt, &mut io);
        let set = [OP_SIGACTION, k, 1, 2, 1, 2, 9, 0x1000_0000, 0x4000, 0];
        assert_eq!(call(&mut rt, &mut io, &set)[0], 0);
        let r = call(&mut rt, &mut io, &[OP_SIGACTION, k, 1, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&r[2..7], &[2, 9, 0x1000_0000, 0x4000, 0], "got {:?}", r);
        let bad = call(&mut rt, &mut io, &[OP_SIGACTION, k, 1, 2, 1, 7, 0, 0, 0, 0]);
        assert_eq!(
            bad[0],
            Fault::BadArg.code(),
            "unknown handler kind is a fault"
        );
        let kill = call(&mut rt, &mut io, &[OP_SIGACTION, k, 1, 9, 1, 1, 0, 0, 0, 0]);
        assert_eq!(kill[0], Errno::EINVAL.code(), "SIGKILL: guest EINVAL");
    }

    #[test]
    fn wait_and_dequeue_wire_layout() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 64];
        let k = kernel_with_init(&mut rt, &mut io);
        let child = call(&mut rt, &mut io, &[OP_SPAWN, k, 1, 16, 0])[2];
        call(
            &mut rt,
            &mut io,
            &[OP_SIGACTION, k, child, 10, 1, 2, 3, 0, 0, 0],
        );
        call(&mut rt, &mut io, &[OP_KILL, k, 1, child, 10]);
        let d = call(&mut rt, &mut io, &[OP_DEQUEUE, k, child]);
        assert_eq!(&d[2..5], &[1, 10, 3], "handler 3 for SIGUSR1: {:?}", d);
        assert_eq!(d[9], 1, "sender pid 1");
        call(&mut rt, &mut io, &[OP_EXIT, k, child, 9]);
        let w = call(&mut rt, &mut io, &[OP_WAIT, k, 1, 0, 0, 0, 0]);
        assert_eq!(
            &w[2..5],
            &[child, 9 << 8, 1],
            "pid, status, CLD_EXITED: {:?}",
            w
        );
    }

    #[test]
    fn creds_and_rlimit_wire_layout() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 64];
        let k = kernel_with_init(&mut rt, &mut io);
        assert_eq!(call(&mut rt, &mut io, &[OP_SETGROUPS, k, 1, 2, 7, 8])[0], 0);
        assert_eq!(
            call(&mut rt, &mut io, &[OP_SETGROUPS, k, 1, 3, 7, 8])[0],
            Fault::Truncated.code()
        );
        let g = call(&mut rt, &mut io, &[OP_GETGROUPS, k, 1, 10]);
        assert_eq!(&g[2..], &[2, 7, 8], "got {:?}", g);
        assert_eq!(call(&mut rt, &mut io, &[OP_SETRESUID, k, 1, 5, 6, 7])[0], 0);
        let c = call(&mut rt, &mut io, &[OP_GETCREDS, k, 1]);
        assert_eq!(&c[2..5], &[5, 6, 7], "got {:?}", c);
        assert_eq!(&c[9..13], &[0, 0, 0, 0], "caps dropped with root: {:?}", c);
        let r = call(&mut rt, &mut io, &[OP_GETRLIMIT, k, 1, 7]);
        assert_eq!(&r[2..], &[1024, 0, 4096, 0], "RLIMIT_NOFILE: {:?}", r);
        let r = call(&mut rt, &mut io, &[OP_PRLIMIT, k, 0, 1, 7, 1, 1, 0, 2, 0]);
        assert_eq!(r[0], 0, "host prlimit");
        let r = call(&mut rt, &mut io, &[OP_GETRLIMIT, k, 1, 7]);
        assert_eq!(&r[2..], &[1, 0, 2, 0], "got {:?}", r);
        assert_eq!(
            call(&mut rt, &mut io, &[OP_GETRLIMIT, k, 1, 99])[0],
            Errno::EINVAL.code()
        );
    }
}
