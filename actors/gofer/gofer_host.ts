// The gofer child's side of attachments: one GoferServer per attached container, each with its
// own mount table, resolver and fid numbering. A request names its attachment in the frame header
// and goes to that server alone, so whatever fid or path a container's connection sends, it is
// looked up among that container's own fids and resolved under that container's own roots: one
// container can never name another's files through the shared gofer (test/gofer-shared.test.ts).
// An unknown attachment is EBADF, as an unknown fid is.

import { Errno } from '../../platform/wasi_errno.js';
import type { GoferConfig } from './mount_table.js';
import type { Req, Res } from './protocol.js';
import { GoferServer } from './server.js';

export class GoferHost {
  /** Attached containers' servers by attachment number; owned by this host, closed by detach. */
  private readonly servers = new Map<number, GoferServer>();
  /** Never reused while the child lives, so a stale attachment number names nothing. */
  private nextAtt = 1;

  /** Attachments live now (leak checks). */
  get attachments(): number {
    return this.servers.size;
  }

  handle(att: number, req: Req): Res {
    if (req.op === 'attach') return this.attach(req.config);
    const server = this.servers.get(att);
    if (server === undefined) return { op: req.op, errno: Errno.BADF } as Res;
    if (req.op === 'detach') {
      // Closes every fid the container still holds, and removes its tmpfs directories.
      this.servers.delete(att);
      server.close();
      return { op: 'detach', errno: 0 };
    }
    return server.handle(req);
  }

  private attach(json: Uint8Array): Res<'attach'> {
    let server: GoferServer;
    try {
      server = new GoferServer(JSON.parse(Buffer.from(json).toString('utf8')) as GoferConfig);
    } catch (e) {
      // A missing mount source...: bad input from the bundle, reported to whoever started it.
      const message = Buffer.from((e as Error).message);
      return { op: 'attach', errno: 0, att: 0, message, pid: 0, roots: new Uint8Array(0) };
    }
    const att = this.nextAtt++;
    this.servers.set(att, server);
    const roots = new Uint8Array(Int32Array.from(server.rootFds).buffer);
    return { op: 'attach', errno: 0, att, message: new Uint8Array(0), pid: process.pid, roots };
  }

  /** The sandbox hung up: every attachment is released. */
  close(): void {
    for (const s of this.servers.values()) s.close();
    this.servers.clear();
  }
}
