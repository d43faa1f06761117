//! Guest-visible errors (a closed enum with Linux's numbers) and host faults (a malformed
//! operation: a bug in Corral, never something a guest can cause on its own).

/// Linux errno values (include/uapi/asm-generic/errno-base.h). Only those the process model
/// can return; the TypeScript binding's `Errno` enum mirrors this list exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Errno {
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ECHILD = 10,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EBUSY = 16,
    EINVAL = 22,
    ENOTTY = 25,
    ENOSPC = 28,
    /// Kernel-internal "restart the call after the signal is handled" (Linux ERESTARTSYS):
    /// the ABI layer turns it into EINTR or a restart depending on SA_RESTART, as
    /// arch/*/kernel/signal.c:handle_signal does.
    ERESTARTSYS = 512,
}

impl Errno {
    /// The number on the wire (the Linux value).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// Every value, for tests and for the binding's mirror check.
    pub const ALL: [Errno; 14] = [
        Errno::EPERM,
        Errno::ENOENT,
        Errno::ESRCH,
        Errno::EINTR,
        Errno::EIO,
        Errno::ECHILD,
        Errno::EAGAIN,
        Errno::ENOMEM,
        Errno::EACCES,
        Errno::EBUSY,
        Errno::EINVAL,
        Errno::ENOTTY,
        Errno::ENOSPC,
        Errno::ERESTARTSYS,
    ];

    pub fn from_code(code: i32) -> Option<Errno> {
        Errno::ALL.iter().copied().find(|e| e.code() == code)
    }
}

/// A malformed operation. These are negative on the wire so they can never be confused with a
/// guest errno; the binding throws on them (they mean a bug in Corral, DESIGN.md rule 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Fault {
    /// Unknown operation code.
    BadOp = -1,
    /// The operation is shorter than its arguments, or longer than the buffer.
    Truncated = -2,
    /// No kernel with that handle in this runtime.
    NoKernel = -3,
    /// An argument outside its domain (a negative length, an unknown flag bit in a host-only
    /// option word...).
    BadArg = -4,
    /// The result does not fit the I/O buffer.
    Overflow = -5,
}

impl Fault {
    pub fn code(self) -> i32 {
        self as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_values_are_linux_values() {
        // include/uapi/asm-generic/errno-base.h and include/linux/errno.h.
        let table: &[(Errno, i32)] = &[
            (Errno::EPERM, 1),
            (Errno::ESRCH, 3),
            (Errno::EINTR, 4),
            (Errno::ECHILD, 10),
            (Errno::EAGAIN, 11),
            (Errno::ENOMEM, 12),
            (Errno::EACCES, 13),
            (Errno::EINVAL, 22),
            (Errno::ENOTTY, 25),
            (Errno::ERESTARTSYS, 512),
        ];
        for &(e, want) in table {
            assert_eq!(e.code(), want, "{:?}: got {}, want {}", e, e.code(), want);
            assert_eq!(
                Errno::from_code(want),
                Some(e),
                "from_code({}) got {:?}",
                want,
                Errno::from_code(want)
            );
        }
    }

    #[test]
    fn faults_are_negative_and_distinct_from_errnos() {
        for f in [
            Fault::BadOp,
            Fault::Truncated,
            Fault::NoKernel,
            Fault::BadArg,
            Fault::Overflow,
        ] {
            assert!(f.code() < 0, "{:?}: got {}, want < 0", f, f.code());
            assert_eq!(
                Errno::from_code(f.code()),
                None,
                "fault {:?} collides with an errno",
                f
            );
        }
    }
}
