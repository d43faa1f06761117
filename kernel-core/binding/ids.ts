// Branded ids of the kernel core. Pid, Pgid and Sid are root-namespace numbers (the kernel-wide
// identity of a process, group or session); numbers a guest sees in a nested namespace are plain
// `number`s, translated with Kernel.translate / Kernel.lookup.

/** A process, by its root-namespace pid. */
export type Pid = number & { readonly __brand: 'Pid' };
/** A process group, by the root-namespace pid of its (possibly gone) leader. */
export type Pgid = number & { readonly __brand: 'Pgid' };
/** A session, by the root-namespace pid of its leader. */
export type Sid = number & { readonly __brand: 'Sid' };
/** A PID namespace of one kernel; the root namespace is returned by KernelCore.createKernel. */
export type NsId = number & { readonly __brand: 'NsId' };
/** A container registered with a kernel. */
export type ContainerHandle = number & { readonly __brand: 'ContainerHandle' };
/** A kernel (one per sandbox) inside a KernelCore. */
export type KernelId = number & { readonly __brand: 'KernelId' };
/** A terminal, numbered by the host. */
export type TtyHandle = number & { readonly __brand: 'TtyHandle' };

export const asPid = (n: number): Pid => n as Pid;
export const asPgid = (n: number): Pgid => n as Pgid;
export const asSid = (n: number): Sid => n as Sid;
export const asNsId = (n: number): NsId => n as NsId;
export const asContainer = (n: number): ContainerHandle => n as ContainerHandle;
export const asTty = (n: number): TtyHandle => n as TtyHandle;
