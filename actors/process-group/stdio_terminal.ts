// A terminal as a guest's stdin/stdout/stderr: the slave of a pty (made for `--console-socket`) or
// the caller's own terminal, opened here by path. Nothing blocks the host thread (DESIGN.md rule 3):
//
// - stdin is a tty.ReadStream: libuv polls the terminal, so a pending read is cancelled when the
//   guest exits, and the line discipline's EOF (^D) is a 0-byte read, i.e. the stream's end.
// - stdout and stderr share one non-blocking fd (their writes stay in order, as on one terminal);
//   the platform's fd output retries EAGAIN when the terminal's buffer is full.
//
// O_NOCTTY: the sandbox host must never take the terminal as its own controlling terminal. The
// guest's controlling terminal is the Loader's kernel TTY (loader_terminal.ts). Everything opened
// here is closed by close().
import { close, constants, fstat, open } from 'node:fs';
import { ReadStream } from 'node:tty';
import { promisify } from 'node:util';
import type { OpenedStdio } from './stdio_open.js';

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);

export async function openTerminal(path: string): Promise<OpenedStdio> {
  const fds: number[] = [];
  let input: ReadStream | null = null;
  const closeAll = async (): Promise<void> => {
    // The stream owns its fd (libuv closes it with the handle).
    input?.destroy();
    input = null;
    await Promise.all(fds.splice(0).map((fd) => closeAsync(fd).catch(() => undefined)));
  };
  try {
    const inFd = await openAsync(path, constants.O_RDWR | constants.O_NOCTTY);
    fds.push(inFd);
    if (!(await fstatAsync(inFd)).isCharacterDevice()) {
      throw Object.assign(new Error(`${path}: not a terminal`), { code: 'ENOTTY' });
    }
    input = new ReadStream(inFd);
    // libuv reopens a pty slave for its own handle (to make it non-blocking without touching other
    // openers): then our fd is a spare, closed now; otherwise the handle owns it.
    const handleFd = (input as unknown as { _handle?: { fd?: number } })._handle?.fd;
    fds.splice(fds.indexOf(inFd), 1);
    if (handleFd !== undefined && handleFd >= 0 && handleFd !== inFd) await closeAsync(inFd);
    // The terminal hung up (its master closed): reads end, as on Linux (EIO is EOF for a reader here).
    input.on('error', () => undefined);
    const outFd = await openAsync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
    fds.push(outFd);
    return {
      bindings: { stdin: { stream: input }, stdout: { fd: outFd }, stderr: { fd: outFd } },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
