//! The kernels of one wasm instance and the single dispatch entry.
//!
//! Why one instance hosts many kernels: a wasm memory is at least 64 KiB and reserves ~10 GiB
//! of address space in V8 (DESIGN.md: ≤ ~13,000 memories per process), while an idle sandbox's
//! kernel state is a few KiB. One instance per worker thread, with a kernel handle per
//! sandbox, keeps the per-sandbox cost at its real size (see `kernel_bytes_per_idle_sandbox`).

use crate::alloc;
use crate::dispatch::{exec_kernel, OpResult};
use crate::errno::Fault;
use crate::kernel::{Kernel, KernelOptions};
use crate::wire::*;

/// Every kernel of the instance. Owned by the ffi layer (or by a test).
#[derive(Default)]
pub struct Runtime {
    kernels: Vec<Option<Box<Kernel>>>,
    free: Vec<u32>,
    /// A copy of the current operation's words, so results can overwrite the I/O buffer.
    /// Kept between calls so the hot path does not allocate.
    input: Vec<i32>,
}

impl Runtime {
    pub const fn new() -> Runtime {
        Runtime {
            kernels: Vec::new(),
            free: Vec::new(),
            input: Vec::new(),
        }
    }

    pub fn kernel(&mut self, id: i32) -> Result<&mut Kernel, Fault> {
        if id <= 0 {
            return Err(Fault::NoKernel);
        }
        self.kernels
            .get_mut((id - 1) as usize)
            .and_then(|k| k.as_deref_mut())
            .ok_or(Fault::NoKernel)
    }

    pub fn live_kernels(&self) -> usize {
        self.kernels.iter().filter(|k| k.is_some()).count()
    }

    fn create(&mut self, opts: KernelOptions) -> i32 {
        let k = Some(Box::new(Kernel::new(opts)));
        match self.free.pop() {
            Some(i) => {
                self.kernels[i as usize] = k;
                i as i32 + 1
            }
            None => {
                self.kernels.push(k);
                self.kernels.len() as i32
            }
        }
    }

    fn destroy(&mut self, id: i32) -> Result<(), Fault> {
        self.kernel(id)?;
        self.kernels[(id - 1) as usize] = None;
        self.free.push((id - 1) as u32);
        if self.live_kernels() == 0 {
            // Give every byte back so leak checks see the baseline.
            self.kernels = Vec::new();
            self.free = Vec::new();
        }
        Ok(())
    }

    /// Runs the operation in `io[..len]` and writes its result into `io`; returns the result
    /// length in words. Never panics: malformed input yields a negative status.
    pub fn dispatch(&mut self, io: &mut [i32], len: usize) -> usize {
        if len > io.len() || len < 2 {
            return finish_fault(io, Fault::Truncated);
        }
        let mut input = std::mem::take(&mut self.input);
        input.clear();
        input.extend_from_slice(&io[..len]);
        let n = self.run(&input, io);
        self.input = input;
        n
    }

    fn run(&mut self, input: &[i32], io: &mut [i32]) -> usize {
        let mut a = Args::new(input);
        let (op, kid) = match (a.i32(), a.i32()) {
            (Ok(op), Ok(k)) => (op, k),
            _ => return finish_fault(io, Fault::Truncated),
        };
        let mut out = match Out::new(io) {
            Ok(o) => o,
            Err(_) => return 0,
        };
        let r = self.exec(op, kid, &mut a, &mut out);
        let pending = if kid > 0 {
            self.kernel(kid).map_or(0, |k| k.events.len() as i32)
        } else {
            0
        };
        match r {
            Ok(Ok(())) => out.finish(0, pending),
            Ok(Err(e)) => out.finish(e.code(), pending),
            Err(f) => out.finish(f.code(), 0),
        }
    }

    fn exec(&mut self, op: i32, kid: i32, a: &mut Args, out: &mut Out) -> OpResult {
        match op {
            OP_CREATE_KERNEL => {
                let (pid_max, limit) = (a.i32()?, a.u32()?);
                a.end()?;
                let pid_max = if pid_max <= 0 {
                    KernelOptions::default().pid_max
                } else {
                    pid_max
                };
                let id = self.create(KernelOptions {
                    pid_max,
                    pids_limit: limit,
                });
                out.push(id)?;
                out.push(self.kernel(id)?.root_ns.0 as i32)?;
                return Ok(Ok(()));
            }
            OP_DESTROY_KERNEL => {
                a.end()?;
                self.destroy(kid)?;
                return Ok(Ok(()));
            }
            OP_STATS => {
                a.end()?;
                out.push(alloc::live_bytes() as i32)?;
                out.push(alloc::live_allocs() as i32)?;
                out.push(self.live_kernels() as i32)?;
                return Ok(Ok(()));
            }
            _ => {}
        }
        let k = self.kernel(kid)?;
        exec_kernel(k, op, a, out)
    }
}

fn finish_fault(io: &mut [i32], f: Fault) -> usize {
    if io.len() < 2 {
        return 0;
    }
    io[0] = f.code();
    io[1] = 0;
    2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;

    fn call(rt: &mut Runtime, io: &mut [i32], words: &[i32]) -> Vec<i32> {
        io[..words.len()].copy_from_slice(words);
        let n = rt.dispatch(io, words.len());
        io[..n].to_vec()
    }

    #[test]
    fn create_spawn_getpid_through_the_wire() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 1024];
        let r = call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0]);
        assert_eq!(&r[..2], &[0, 0], "create: got {:?}", r);
        let k = r[2];
        let c = call(&mut rt, &mut io, &[OP_CONTAINER_REGISTER, k, 0])[2];
        let r = call(&mut rt, &mut io, &[OP_SPAWN_INIT, k, c, 1, 0, 0, 0]);
        assert_eq!(&r[..5], &[0, 0, 1, 1, 1], "spawn_init: got {:?}", r);
        let r = call(&mut rt, &mut io, &[OP_GETPID, k, 1]);
        assert_eq!(r, vec![0, 0, 1]);
        let r = call(&mut rt, &mut io, &[OP_GETPID, k, 9]);
        assert_eq!(r, vec![Errno::ESRCH.code(), 0], "unknown pid: ESRCH");
        let r = call(&mut rt, &mut io, &[OP_EXIT, k, 1, 0]);
        assert_eq!(r[0], 0);
        assert!(r[1] > 0, "events pending after exit: got {:?}", r);
        let r = call(&mut rt, &mut io, &[OP_DRAIN_EVENTS, k, 100]);
        assert_eq!(r[0], 0);
        assert_eq!(r[3], 0, "nothing more");
        assert_eq!(
            r[2] as usize * 4 + 4,
            r.len(),
            "count matches rows: {:?}",
            r
        );
    }

    #[test]
    fn faults_table() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 64];
        call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0]);
        let cases: &[(&str, Vec<i32>, i32)] = &[
            ("unknown op", vec![999, 1], Fault::BadOp.code()),
            ("too short", vec![OP_CREATE_KERNEL], Fault::Truncated.code()),
            (
                "missing args",
                vec![OP_CREATE_KERNEL, 0, 1],
                Fault::Truncated.code(),
            ),
            (
                "trailing args",
                vec![OP_CREATE_KERNEL, 0, 1, 2, 3],
                Fault::Truncated.code(),
            ),
            (
                "no such kernel",
                vec![OP_GETPID, 5, 1],
                Fault::NoKernel.code(),
            ),
            ("kernel 0", vec![OP_GETPID, 0, 1], Fault::NoKernel.code()),
        ];
        for (name, words, want) in cases {
            let r = call(&mut rt, &mut io, words);
            assert_eq!(r[0], *want, "{}: got {:?}, want status {}", name, r, want);
        }
    }

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    #[test]
    fn fuzz_random_words_never_panic() {
        // Hundreds of thousands of random operations: mostly well-formed (a known op with its
        // arity and small arguments, so that real kernel paths run), the rest noise of any
        // length. Every answer must be a header with success, a known errno or a fault.
        let ops: &[(i32, usize)] = &[
            (1, 2),
            (2, 0),
            (3, 0),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
            (8, 1),
            (10, 1),
            (11, 1),
            (12, 2),
            (13, 2),
            (20, 1),
            (21, 1),
            (22, 2),
            (23, 1),
            (24, 3),
            (30, 5),
            (31, 3),
            (31, 3),
            (31, 3),
            (32, 1),
            (33, 2),
            (34, 3),
            (35, 2),
            (36, 1),
            (40, 1),
            (41, 1),
            (42, 2),
            (43, 3),
            (44, 2),
            (45, 1),
            (50, 3),
            (51, 1),
            (52, 2),
            (53, 3),
            (54, 1),
            (55, 3),
            (60, 3),
            (60, 3),
            (61, 3),
            (62, 8),
            (63, 5),
            (64, 1),
            (65, 1),
            (65, 1),
            (66, 3),
            (70, 5),
            (70, 5),
            (80, 1),
            (81, 2),
            (82, 2),
            (83, 3),
            (84, 4),
            (85, 4),
            (86, 3),
            (87, 2),
            (88, 5),
            (90, 2),
            (91, 8),
        ];
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 256];
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let (mut ok, mut errnos) = (0u32, 0u32);
        for i in 0..300_000u32 {
            let r = xorshift(&mut s);
            let (op, arity) = ops[(r >> 8) as usize % ops.len()];
            let well_formed = r % 10 < 8;
            let len = if well_formed {
                2 + arity
            } else {
                (r >> 40) as usize % 14
            };
            for w in io.iter_mut().take(len) {
                let x = xorshift(&mut s);
                *w = match x % 16 {
                    0 => x as i32,
                    1 => -((x >> 8) as i32 & 7),
                    2 | 3 => ((x >> 8) % 64) as i32,
                    _ => ((x >> 8) % 8) as i32,
                };
            }
            if well_formed {
                io[0] = op;
                io[1] = 1 + ((r >> 32) % 3) as i32;
                if op == OP_DESTROY_KERNEL && r % 7 != 0 {
                    io[0] = OP_GETPID;
                    io[2] = 1;
                    io[3] = 0;
                }
            }
            if i % 2000 == 0 {
                let _ = call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 40, 0]);
            }
            let n = rt.dispatch(&mut io, len);
            assert!(n <= io.len(), "result longer than the buffer");
            if n >= 2 {
                match io[0] {
                    0 => ok += 1,
                    e if e > 0 => {
                        assert!(
                            Errno::from_code(e).is_some(),
                            "status {} is not a known errno",
                            e
                        );
                        errnos += 1;
                    }
                    f => assert!((-5..0).contains(&f), "status {} is not a fault", f),
                }
            }
        }
        // The generator must reach real kernel paths, not only decoding errors.
        assert!(ok > 30_000, "only {} successful operations", ok);
        assert!(errnos > 30_000, "only {} guest errnos", errnos);
    }

    #[test]
    fn kernel_handles_are_reused_after_destroy() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 64];
        let a = call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0])[2];
        let b = call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0])[2];
        assert_eq!(call(&mut rt, &mut io, &[OP_DESTROY_KERNEL, a])[0], 0);
        assert_eq!(
            call(&mut rt, &mut io, &[OP_DESTROY_KERNEL, a])[0],
            Fault::NoKernel.code(),
            "twice"
        );
        let c = call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0])[2];
        assert_eq!(c, a, "freed slot reused: got {}, want {}", c, a);
        assert_ne!(b, c);
        assert_eq!(rt.live_kernels(), 2);
    }

    #[test]
    fn dispatch_rejects_bad_lengths() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 8];
        assert_eq!(rt.dispatch(&mut io, 100), 2, "len beyond the buffer");
        assert_eq!(io[0], Fault::Truncated.code());
        assert_eq!(rt.dispatch(&mut io, 0), 2);
        let mut tiny = [0i32; 1];
        assert_eq!(rt.dispatch(&mut tiny, 1), 0, "no room even for a header");
    }

    #[test]
    fn stats_count_kernels() {
        let mut rt = Runtime::new();
        let mut io = vec![0i32; 16];
        call(&mut rt, &mut io, &[OP_CREATE_KERNEL, 0, 0, 0]);
        let s = call(&mut rt, &mut io, &[OP_STATS, 0]);
        assert_eq!(s[4], 1, "one kernel: {:?}", s);
        assert!(s[2] > 0, "live bytes counted");
    }
}
