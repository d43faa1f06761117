// A guest worker thread (thread strategy): runs one guest process at a time, each in a fresh
// instance with fresh memory, and blocks in Atomics.wait while its syscalls are served by the host
// thread. Loaded as compiled JS by the pool; it imports nothing but platform/ and bridge/errors.

import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../bridge/errors.js';
import { SyscallChannel } from '../syscall_channel.js';
import { currentThreadId } from '../thread_cpu.js';
import { CORRAL_MODULE, WASI_MODULE } from '../wasi_functions.js';
import type { ExitStatus } from '../syscalls.js';
import { GuestExit, threadImports } from './wasi_imports.js';
import type { GuestWorkerData, RunMessage, WorkerMessage } from './messages.js';
import { Wasm, type WasmImports, type WasmMemory } from '../wasm_api.js';
import type { DirectOffer } from '../direct_host.js';
import type { GuestMemory } from '../wasi_local.js';
import { lazyService, type DirectFileService } from './direct_imports.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const port = parentPort!;
const channel = SyscallChannel.attach((workerData as GuestWorkerData).sab);

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

/** Linux signal numbers for wasm traps, as the same fault would give a native process. */
function trapStatus(err: unknown): ExitStatus | null {
  if (err instanceof RangeError && /call stack/.test(err.message)) return { signal: 11, trap: err.message };
  if (!(err instanceof Wasm.RuntimeError)) return null;
  const m = err.message;
  // abort() in wasi-libc is `unreachable`: SIGABRT, as abort(3) raises.
  if (/unreachable/.test(m)) return { signal: 6, trap: m };
  if (/divide by zero|integer overflow|remainder by zero/.test(m)) return { signal: 8, trap: m };
  if (/invalid conversion/.test(m)) return { signal: 8, trap: m };
  return { signal: 11, trap: m }; // out-of-bounds memory or table, bad indirect call: SIGSEGV
}

type ServiceFactory = (offer: DirectOffer, mem: GuestMemory) => DirectFileService;
/** Direct file service implementations by URL, loaded once per worker (direct_imports.ts). */
const services = new Map<string, ServiceFactory | Promise<ServiceFactory>>();
/** require() for absolute paths (the base is irrelevant; a CommonJS bundle has no import.meta). */
const requireFile = createRequire(`${process.cwd()}/`);

/**
 * The service factory at `url`: a CommonJS bundle is required when first used, synchronously, so
 * that it is loaded at the guest's first file call and never by a guest that opens no file; an ES
 * module (the unbundled tree, before `npm run build` bundles it) can only be imported, before the
 * run.
 */
function load(url: string): ServiceFactory | Promise<ServiceFactory> {
  let f = services.get(url);
  if (f === undefined) {
    f = url.endsWith('.cjs')
      ? (requireFile(fileURLToPath(url)) as { createDirectFiles: ServiceFactory }).createDirectFiles
      : import(url).then((m: { createDirectFiles: ServiceFactory }) => m.createDirectFiles);
    services.set(url, f);
  }
  return f;
}

async function serviceFor(
  offer: DirectOffer | undefined,
): Promise<((mem: GuestMemory) => DirectFileService) | null> {
  if (offer === undefined) return null;
  if (offer.service.endsWith('.cjs'))
    return (mem) => lazyService(() => load(offer.service) as ServiceFactory, offer, mem);
  const make = await load(offer.service);
  return (mem) => make(offer, mem);
}

function run(msg: RunMessage, direct: ((mem: GuestMemory) => DirectFileService) | null): void {
  let status: ExitStatus;
  let service: DirectFileService | null = null;
  try {
    const { imports, corral, mem, setExports, ...rest } = threadImports(
      channel,
      msg.args,
      msg.env,
      msg.corralImports,
      direct,
    );
    service = rest.direct;
    const importObject: WasmImports = { [WASI_MODULE]: imports };
    if (msg.corralImports.length > 0) importObject[CORRAL_MODULE] = corral;
    const instance = new Wasm.Instance(msg.module, importObject);
    mem.memory = instance.exports['memory'] as WasmMemory;
    setExports(instance.exports);
    void mem.u8; // publishes the initial memory size (MEM_PAGES) through onResize
    try {
      (instance.exports['_start'] as () => void)();
      status = { code: 0 }; // returning from _start is exit(0)
    } catch (err) {
      if (err instanceof GuestExit) status = err.status;
      else {
        const t = trapStatus(err);
        if (t === null) throw err;
        status = t;
      }
    }
  } catch (err) {
    closeService(service);
    post({ type: 'fault', runId: msg.runId, error: toWireError(err) });
    return;
  }
  // Before the exit report: the host reclaims only what a terminated thread left behind.
  if (!closeService(service)) {
    post({ type: 'fault', runId: msg.runId, error: toWireError(new Error('closing direct files failed')) });
    return;
  }
  post({ type: 'exit', runId: msg.runId, status });
}

/** Closes an image's direct files; false if that failed (a host fault, reported as such). */
function closeService(service: DirectFileService | null): boolean {
  try {
    service?.closeAll();
    return true;
  } catch {
    return false;
  }
}

port.on('message', (msg: RunMessage) => {
  if (msg.type !== 'run') return;
  serviceFor(msg.direct).then(
    (direct) => run(msg, direct),
    (err: unknown) => post({ type: 'fault', runId: msg.runId, error: toWireError(err) }),
  );
});
post({ type: 'ready', tid: currentThreadId() });
