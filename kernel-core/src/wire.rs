//! The wire format. An operation is a run of little-endian i32 words in the shared I/O buffer:
//! `[op, kernel, args...]`. The result overwrites the buffer: `[status, pending_events,
//! values...]`, where status 0 is success, a positive value a guest errno (Linux value) and a
//! negative value a host fault (`Fault`: a malformed operation, a bug in Corral). Every read
//! is bounds-checked; nothing here can panic on any input.

use crate::errno::Fault;

pub const OP_CREATE_KERNEL: i32 = 1;
pub const OP_DESTROY_KERNEL: i32 = 2;
pub const OP_STATS: i32 = 3;
pub const OP_KERNEL_STATS: i32 = 4;
pub const OP_PAUSE: i32 = 5;
pub const OP_RESUME: i32 = 6;
pub const OP_IS_PAUSED: i32 = 7;
pub const OP_DRAIN_EVENTS: i32 = 8;
pub const OP_NS_CREATE: i32 = 10;
pub const OP_NS_DESTROY: i32 = 11;
pub const OP_TRANSLATE: i32 = 12;
pub const OP_LOOKUP: i32 = 13;
pub const OP_CONTAINER_REGISTER: i32 = 20;
pub const OP_CONTAINER_UNREGISTER: i32 = 21;
pub const OP_CONTAINER_KILL: i32 = 22;
pub const OP_CONTAINER_ALL_EXITED: i32 = 23;
pub const OP_PS: i32 = 24;
pub const OP_SPAWN_INIT: i32 = 30;
pub const OP_SPAWN: i32 = 31;
pub const OP_EXEC: i32 = 32;
pub const OP_EXIT: i32 = 33;
pub const OP_EXIT_SIGNALED: i32 = 34;
pub const OP_SET_SUBREAPER: i32 = 35;
pub const OP_PROC_INFO: i32 = 36;
pub const OP_GETPID: i32 = 40;
pub const OP_GETPPID: i32 = 41;
pub const OP_GETPGID: i32 = 42;
pub const OP_SETPGID: i32 = 43;
pub const OP_GETSID: i32 = 44;
pub const OP_SETSID: i32 = 45;
pub const OP_TTY_ATTACH: i32 = 50;
pub const OP_TTY_DETACH: i32 = 51;
pub const OP_TCGETPGRP: i32 = 52;
pub const OP_TCSETPGRP: i32 = 53;
pub const OP_TTY_FOREGROUND: i32 = 54;
pub const OP_TTY_CHECK: i32 = 55;
pub const OP_KILL: i32 = 60;
pub const OP_TKILL: i32 = 61;
pub const OP_SIGACTION: i32 = 62;
pub const OP_SIGPROCMASK: i32 = 63;
pub const OP_SIGPENDING: i32 = 64;
pub const OP_DEQUEUE: i32 = 65;
pub const OP_SIGRETURN: i32 = 66;
pub const OP_WAIT: i32 = 70;
pub const OP_GETCREDS: i32 = 80;
pub const OP_SETUID: i32 = 81;
pub const OP_SETGID: i32 = 82;
pub const OP_SETREUID: i32 = 83;
pub const OP_SETRESUID: i32 = 84;
pub const OP_SETRESGID: i32 = 85;
pub const OP_SETGROUPS: i32 = 86;
pub const OP_GETGROUPS: i32 = 87;
pub const OP_SET_CAPS: i32 = 88;
pub const OP_GETRLIMIT: i32 = 90;
pub const OP_PRLIMIT: i32 = 91;

/// Reads argument words in order.
pub struct Args<'a> {
    words: &'a [i32],
    pos: usize,
}

impl<'a> Args<'a> {
    pub fn new(words: &'a [i32]) -> Args<'a> {
        Args { words, pos: 0 }
    }

    pub fn i32(&mut self) -> Result<i32, Fault> {
        let v = *self.words.get(self.pos).ok_or(Fault::Truncated)?;
        self.pos += 1;
        Ok(v)
    }

    pub fn u32(&mut self) -> Result<u32, Fault> {
        self.i32().map(|v| v as u32)
    }

    pub fn bool(&mut self) -> Result<bool, Fault> {
        match self.i32()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Fault::BadArg),
        }
    }

    /// A u64 as two words, low first.
    pub fn u64(&mut self) -> Result<u64, Fault> {
        let lo = self.u32()? as u64;
        let hi = self.u32()? as u64;
        Ok(lo | (hi << 32))
    }

    pub fn remaining(&self) -> &'a [i32] {
        self.words.get(self.pos..).unwrap_or(&[])
    }

    pub fn skip(&mut self, n: usize) -> Result<(), Fault> {
        if n > self.words.len().saturating_sub(self.pos) {
            return Err(Fault::Truncated);
        }
        self.pos += n;
        Ok(())
    }

    /// Trailing words are a malformed operation too (a binding out of step with the core).
    pub fn end(&self) -> Result<(), Fault> {
        if self.pos == self.words.len() {
            Ok(())
        } else {
            Err(Fault::Truncated)
        }
    }
}

/// Writes result words after the two-word header.
pub struct Out<'a> {
    buf: &'a mut [i32],
    len: usize,
}

impl<'a> Out<'a> {
    /// Starts after the header; fails if the buffer cannot even hold it.
    pub fn new(buf: &'a mut [i32]) -> Result<Out<'a>, Fault> {
        if buf.len() < 2 {
            return Err(Fault::Overflow);
        }
        Ok(Out { buf, len: 2 })
    }

    pub fn push(&mut self, v: i32) -> Result<(), Fault> {
        let slot = self.buf.get_mut(self.len).ok_or(Fault::Overflow)?;
        *slot = v;
        self.len += 1;
        Ok(())
    }

    pub fn push_u64(&mut self, v: u64) -> Result<(), Fault> {
        self.push(v as u32 as i32)?;
        self.push((v >> 32) as u32 as i32)
    }

    /// Words still free.
    pub fn room(&self) -> usize {
        self.buf.len() - self.len
    }

    /// Overwrites an earlier word (a count written after the rows).
    pub fn set(&mut self, at: usize, v: i32) {
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = v;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Finishes with the header: status and pending event count.
    pub fn finish(self, status: i32, pending: i32) -> usize {
        self.buf[0] = status;
        self.buf[1] = pending;
        if status != 0 {
            2
        } else {
            self.len
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_bounds_checked() {
        let words = [1, 2];
        let mut a = Args::new(&words);
        assert_eq!(a.i32(), Ok(1));
        assert_eq!(a.end(), Err(Fault::Truncated), "one word left");
        assert_eq!(a.i32(), Ok(2));
        assert_eq!(a.i32(), Err(Fault::Truncated), "past the end");
        assert_eq!(a.end(), Ok(()));
        assert_eq!(a.skip(1), Err(Fault::Truncated));
    }

    #[test]
    fn bool_and_u64_decoding() {
        let words = [1, 2, -1, 1];
        let mut a = Args::new(&words);
        assert_eq!(a.bool(), Ok(true));
        assert_eq!(a.bool(), Err(Fault::BadArg), "2 is not a bool");
        assert_eq!(a.u64(), Ok(0x1_ffff_ffff), "low word first");
    }

    #[test]
    fn out_overflow_is_a_fault_not_a_panic() {
        let mut buf = [0i32; 3];
        let mut o = Out::new(&mut buf).unwrap();
        assert_eq!(o.push(5), Ok(()));
        assert_eq!(o.push(6), Err(Fault::Overflow));
        assert_eq!(o.finish(0, 1), 3);
        assert_eq!(buf, [0, 1, 5]);
        let mut tiny = [0i32; 1];
        assert!(Out::new(&mut tiny).is_err());
    }
}
