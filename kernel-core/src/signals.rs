//! Signal numbers, signal sets, dispositions and the default-action table
//! (include/uapi/asm-generic/signal.h, kernel/signal.c, signal(7)).

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGABRT: u32 = 6;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGSEGV: u32 = 11;
pub const SIGUSR2: u32 = 12;
pub const SIGPIPE: u32 = 13;
pub const SIGALRM: u32 = 14;
pub const SIGTERM: u32 = 15;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGURG: u32 = 23;
pub const SIGXCPU: u32 = 24;
pub const SIGXFSZ: u32 = 25;
pub const SIGWINCH: u32 = 28;
pub const SIGSYS: u32 = 31;
/// The kernel's first real-time signal (glibc reserves 32 and 33 and reports SIGRTMIN as 34).
pub const SIGRTMIN: u32 = 32;
/// Signals are 1..=NSIG (_NSIG = 64 on every Linux architecture Corral mimics).
pub const NSIG: u32 = 64;

/// sigaction flags (include/uapi/asm-generic/signal-defs.h, x86 values).
pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
pub const SA_SIGINFO: u32 = 0x0000_0004;
pub const SA_ONSTACK: u32 = 0x0800_0000;
pub const SA_RESTART: u32 = 0x1000_0000;
pub const SA_NODEFER: u32 = 0x4000_0000;
pub const SA_RESETHAND: u32 = 0x8000_0000;
/// The flags the core accepts; others are rejected with EINVAL by the wire layer's caller.
pub const SA_KNOWN: u32 =
    SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND;

/// siginfo si_code values the core produces (include/uapi/asm-generic/siginfo.h).
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_TKILL: i32 = -6;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

/// 1 ≤ sig ≤ 64 (kernel/signal.c:valid_signal, which also admits 0 for "probe only").
pub fn valid(sig: u32) -> bool {
    (1..=NSIG).contains(&sig)
}

/// A set of signals, bit `sig - 1` (Linux sigset_t on a 64-bit word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SigSet(pub u64);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);

    pub fn of(sig: u32) -> SigSet {
        if valid(sig) {
            SigSet(1u64 << (sig - 1))
        } else {
            SigSet(0)
        }
    }
    pub fn contains(self, sig: u32) -> bool {
        valid(sig) && self.0 & (1u64 << (sig - 1)) != 0
    }
    pub fn add(&mut self, sig: u32) {
        self.0 |= SigSet::of(sig).0;
    }
    pub fn remove(&mut self, sig: u32) {
        self.0 &= !SigSet::of(sig).0;
    }
    pub fn union(self, o: SigSet) -> SigSet {
        SigSet(self.0 | o.0)
    }
    pub fn intersect(self, o: SigSet) -> SigSet {
        SigSet(self.0 & o.0)
    }
    pub fn without(self, o: SigSet) -> SigSet {
        SigSet(self.0 & !o.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The lowest-numbered member.
    pub fn first(self) -> Option<u32> {
        if self.0 == 0 {
            None
        } else {
            Some(self.0.trailing_zeros() + 1)
        }
    }
    /// Splits into the two wire words (low = signals 1..32).
    pub fn words(self) -> (i32, i32) {
        (self.0 as u32 as i32, (self.0 >> 32) as u32 as i32)
    }
    pub fn from_words(lo: i32, hi: i32) -> SigSet {
        SigSet((lo as u32 as u64) | ((hi as u32 as u64) << 32))
    }
}

/// SIGKILL and SIGSTOP: never caught, blocked or ignored (kernel/signal.c:sig_kernel_only).
pub fn kernel_only(sig: u32) -> bool {
    sig == SIGKILL || sig == SIGSTOP
}
pub const UNBLOCKABLE: SigSet = SigSet((1u64 << (SIGKILL - 1)) | (1u64 << (SIGSTOP - 1)));

/// The stop signals (sig_kernel_stop).
pub fn is_stop(sig: u32) -> bool {
    matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}
pub const STOP_SIGNALS: SigSet = SigSet(
    (1u64 << (SIGSTOP - 1))
        | (1u64 << (SIGTSTP - 1))
        | (1u64 << (SIGTTIN - 1))
        | (1u64 << (SIGTTOU - 1)),
);

/// Synchronous (fault) signals, dequeued before the others (kernel/signal.c:SYNCHRONOUS_MASK).
pub const SYNCHRONOUS: SigSet = SigSet(
    (1u64 << (SIGSEGV - 1))
        | (1u64 << (SIGBUS - 1))
        | (1u64 << (SIGILL - 1))
        | (1u64 << (SIGTRAP - 1))
        | (1u64 << (SIGFPE - 1))
        | (1u64 << (SIGSYS - 1)),
);

/// Standard signals coalesce while pending; real-time ones queue (kernel/signal.c:legacy_queue).
pub fn is_realtime(sig: u32) -> bool {
    (SIGRTMIN..=NSIG).contains(&sig)
}

/// What SIG_DFL does (signal(7), "Standard signals").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Term,
    Core,
    Ignore,
    Stop,
    Cont,
}

/// The default-action table of signal(7) (kernel/signal.c:SIG_KERNEL_*_MASK); every
/// real-time signal terminates.
pub fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Cont,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Term,
    }
}

/// A disposition's handler part (sa_handler).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    Default,
    Ignore,
    /// Run the guest's handler number N (an index into its function table, chosen by the ABI).
    Catch(u32),
}

impl Handler {
    /// Wire form: (kind, index): 0 = SIG_DFL, 1 = SIG_IGN, 2 = handler.
    pub fn to_wire(self) -> (i32, i32) {
        match self {
            Handler::Default => (0, 0),
            Handler::Ignore => (1, 0),
            Handler::Catch(h) => (2, h as i32),
        }
    }
    pub fn from_wire(kind: i32, index: i32) -> Option<Handler> {
        match kind {
            0 => Some(Handler::Default),
            1 => Some(Handler::Ignore),
            2 => Some(Handler::Catch(index as u32)),
            _ => None,
        }
    }
}

/// struct k_sigaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigAction {
    pub handler: Handler,
    pub flags: u32,
    pub mask: SigSet,
}

impl SigAction {
    pub const DEFAULT: SigAction = SigAction {
        handler: Handler::Default,
        flags: 0,
        mask: SigSet::EMPTY,
    };
}

/// Whether `action` discards `sig` when it is sent (kernel/signal.c:sig_handler_ignored).
pub fn handler_ignores(action: &SigAction, sig: u32) -> bool {
    match action.handler {
        Handler::Ignore => true,
        Handler::Default => default_action(sig) == DefaultAction::Ignore,
        Handler::Catch(_) => false,
    }
}

/// Whether SIG_DFL kills (sig_fatal: neither ignored, stopping nor continuing by default).
pub fn default_is_fatal(sig: u32) -> bool {
    matches!(
        default_action(sig),
        DefaultAction::Term | DefaultAction::Core
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_action_table_matches_signal7() {
        let table: &[(u32, DefaultAction)] = &[
            (SIGHUP, DefaultAction::Term),
            (SIGINT, DefaultAction::Term),
            (SIGQUIT, DefaultAction::Core),
            (SIGILL, DefaultAction::Core),
            (SIGABRT, DefaultAction::Core),
            (SIGKILL, DefaultAction::Term),
            (SIGSEGV, DefaultAction::Core),
            (SIGPIPE, DefaultAction::Term),
            (SIGTERM, DefaultAction::Term),
            (SIGCHLD, DefaultAction::Ignore),
            (SIGCONT, DefaultAction::Cont),
            (SIGSTOP, DefaultAction::Stop),
            (SIGTSTP, DefaultAction::Stop),
            (SIGTTIN, DefaultAction::Stop),
            (SIGTTOU, DefaultAction::Stop),
            (SIGURG, DefaultAction::Ignore),
            (SIGWINCH, DefaultAction::Ignore),
            (SIGSYS, DefaultAction::Core),
            (SIGRTMIN, DefaultAction::Term),
            (NSIG, DefaultAction::Term),
        ];
        for &(sig, want) in table {
            let got = default_action(sig);
            assert_eq!(
                got, want,
                "signal(7) default for {}: got {:?}, want {:?}",
                sig, got, want
            );
        }
    }

    #[test]
    fn sigset_bits_are_sig_minus_one() {
        // Linux sigset_t: signal n is bit n-1 (include/linux/signal.h:sigaddset).
        let cases: &[(u32, u64)] = &[
            (1, 1),
            (9, 1 << 8),
            (32, 1 << 31),
            (64, 1 << 63),
            (0, 0),
            (65, 0),
        ];
        for &(sig, want) in cases {
            assert_eq!(
                SigSet::of(sig).0,
                want,
                "SigSet::of({}): got {:#x}, want {:#x}",
                sig,
                SigSet::of(sig).0,
                want
            );
        }
    }

    #[test]
    fn sigset_wire_round_trip() {
        for v in [
            0u64,
            1,
            u64::MAX,
            0x8000_0000_0000_0001,
            0x1234_5678_9abc_def0,
        ] {
            let (lo, hi) = SigSet(v).words();
            let back = SigSet::from_words(lo, hi);
            assert_eq!(back.0, v, "round trip: got {:#x}, want {:#x}", back.0, v);
        }
    }

    #[test]
    fn first_is_lowest_numbered() {
        // kernel/signal.c:next_signal takes the lowest-numbered pending signal.
        let mut s = SigSet::EMPTY;
        s.add(40);
        s.add(15);
        assert_eq!(s.first(), Some(15), "got {:?}, want Some(15)", s.first());
        assert_eq!(SigSet::EMPTY.first(), None);
    }

    #[test]
    fn realtime_range_is_32_to_64() {
        let cases = [(31, false), (32, true), (64, true), (1, false)];
        for (sig, want) in cases {
            assert_eq!(
                is_realtime(sig),
                want,
                "is_realtime({}): got {}, want {}",
                sig,
                !want,
                want
            );
        }
    }

    #[test]
    fn handler_ignores_follows_sig_handler_ignored() {
        let ign = SigAction {
            handler: Handler::Ignore,
            ..SigAction::DEFAULT
        };
        let cases: &[(SigAction, u32, bool)] = &[
            (SigAction::DEFAULT, SIGCHLD, true),
            (SigAction::DEFAULT, SIGTERM, false),
            (SigAction::DEFAULT, SIGCONT, false),
            (ign, SIGTERM, true),
            (
                SigAction {
                    handler: Handler::Catch(3),
                    ..SigAction::DEFAULT
                },
                SIGCHLD,
                false,
            ),
        ];
        for (a, sig, want) in cases {
            assert_eq!(
                handler_ignores(a, *sig),
                *want,
                "sig {} with {:?}: want {}",
                sig,
                a,
                want
            );
        }
    }

    #[test]
    fn handler_wire_round_trip_and_rejects_unknown_kind() {
        for h in [Handler::Default, Handler::Ignore, Handler::Catch(7)] {
            let (k, i) = h.to_wire();
            assert_eq!(
                Handler::from_wire(k, i),
                Some(h),
                "got {:?}, want {:?}",
                Handler::from_wire(k, i),
                h
            );
        }
        assert_eq!(Handler::from_wire(3, 0), None);
    }
}
