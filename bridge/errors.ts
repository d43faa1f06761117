// Errors that cross an actor or thread boundary travel as plain {name, message, stack} records
// and are rebuilt on the far side, so the receiver can throw them again with the remote stack kept.

export interface WireError {
  name: string;
  message: string;
  stack: string;
  /** Optional machine-readable code (e.g. 'ETIMEDOUT', 'ENOENT'), kept when the source error had one. */
  code?: string;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const out: WireError = {
      name: err.name,
      message: err.message,
      stack: err.stack ?? `${err.name}: ${err.message}`,
    };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    return out;
  }
  const message = typeof err === 'string' ? err : safeStringify(err);
  return { name: 'Error', message, stack: `Error: ${message}` };
}

/** An error rebuilt from a WireError: same name and message, the remote stack kept as `remoteStack`. */
export class RemoteError extends Error {
  readonly remoteStack: string;
  readonly code: string | undefined;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.remoteStack = wire.stack;
    this.code = wire.code;
    // The local stack says where it was rethrown; the remote one says where it happened.
    this.stack = `${wire.stack}\n    --- rethrown across an actor boundary ---\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
}

export function fromWireError(wire: WireError): RemoteError {
  return new RemoteError(wire);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * An error with an errno-style `code` from a closed set `C`, so that callers branch on the code,
 * never on message text; `code` survives the wire (toWireError keeps it). Subclasses set the name.
 */
export class CodedError<C extends string> extends Error {
  /** Immutable after construction. */
  readonly code: C;
  constructor(name: string, code: C, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}
