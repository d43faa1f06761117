// platform/: how guest wasm is loaded, validated and run, and how its calls reach the host.
export * from './wasi_errno.js';
export * from './wasi_types.js';
export * from './wasi_functions.js';
export * from './syscalls.js';
export * from './syscall_layout.js';
export * from './syscall_channel.js';
export * from './syscall_host.js';
export * from './stdio.js';
export * from './stdio_ends.js';
export * from './stdio_input.js';
export * from './stdio_output.js';
export * from './wasi_handlers.js';
export * from './wasi_local.js';
export * from './module.js';
export * from './process.js';
export * from './thread/guest_pool.js';
export * from './thread/thread_strategy.js';
