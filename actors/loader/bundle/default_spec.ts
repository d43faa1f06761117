// The config.json `corral spec` writes, modelled on `runc spec`: a bundle skeleton that runs
// /bin/hello from ./rootfs as root, in new PID and network namespaces (the two kinds Corral builds),
// with runc's default capability set (the one Docker grants) and a file-descriptor limit.
// A fresh object per call: callers may edit it.

import type { OciSpec } from './oci_spec.js';
import { DEFAULT_PATH } from './env.js';

/** OCI runtime-spec version Corral writes and understands. */
export const OCI_VERSION = '1.0.2';

/** runc's default capabilities (the set of Docker's default profile). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_AUDIT_WRITE',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
];

export function defaultSpec(): OciSpec {
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0, additionalGids: [] },
      args: ['/bin/hello'],
      env: [`PATH=${DEFAULT_PATH}`, 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...caps],
        effective: [...caps],
        inheritable: [],
        permitted: [...caps],
        ambient: [],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'corral',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: [] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    ],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] },
    annotations: {},
  };
}

/** The default spec as `corral spec` writes it: tab-indented JSON, as runc writes, with a final newline. */
export function defaultSpecJson(): string {
  return JSON.stringify(defaultSpec(), null, '\t') + '\n';
}
