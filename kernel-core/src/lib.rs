//! Corral's kernel core: the process state of sandboxes modelled the way Linux does it
//! (PID namespaces, processes, credentials, rlimits, process groups, sessions, controlling
//! terminals, signals, wait, limits, containers), as a deterministic state machine.
//! Operations go in (see `wire`), results and events come out (see `events`). There is no I/O,
//! no clock and no thread here: the Loader actor drives it.
//!
//! This file only lists the modules and re-exports the public names.

// Table-driven tests spell their case tuples inline; naming each tuple type would hide the table.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod alloc;
pub mod container;
pub mod credentials;
pub mod dispatch;
pub mod errno;
pub mod events;
pub mod exit;
pub mod ffi;
pub mod ids;
pub mod kernel;
pub mod limits;
pub mod pid_namespace;
pub mod process;
pub mod process_group;
pub mod rlimits;
pub mod runtime;
pub mod session;
pub mod signal_delivery;
pub mod signals;
pub mod spawn;
pub mod tty;
pub mod wait;
pub mod wire;

#[cfg(test)]
mod testutil;

pub use credentials::Credentials;
pub use errno::{Errno, Fault};
pub use events::Event;
pub use ids::{ContainerHandle, Gid, KernelId, NsId, Pgid, Pid, Sid, TtyHandle, Uid};
pub use kernel::{Kernel, KernelOptions};
pub use process::{ProcState, Process};
pub use runtime::Runtime;
pub use signals::{Handler, SigAction, SigSet};
