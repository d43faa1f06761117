// The TypeScript binding of kernel-core: re-exports only.
export { KernelCore, kernelModule, type KernelModule, type KernelOptions, type CoreStats } from './core.js';
export { Kernel } from './kernel.js';
export { Errno, Fault, KernelFault, errnoName, type KResult } from './errno.js';
export { type KernelEvent, decodeEvent } from './events.js';
export * from './ids.js';
export * from './ops.js';
export * from './types.js';
