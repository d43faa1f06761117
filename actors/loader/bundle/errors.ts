// The one error type of bundle handling. It carries an errno-style code so that callers (the CLI, the
// Loader's control replies) can pick an exit status without matching on message text: runc/runsc users
// expect 127 for a missing executable and 126 for one that cannot be executed, as a shell gives them.

export type BundleErrorCode = 'EINVAL' | 'ENOENT' | 'ENOTDIR' | 'EACCES' | 'ENOEXEC' | 'EIO';

export class BundleError extends Error {
  /** errno-style classification; immutable after construction. */
  readonly code: BundleErrorCode;
  /** The process exit status a CLI should use for this error; immutable after construction. */
  readonly exitCode: number;

  constructor(code: BundleErrorCode, message: string, exitCode = 1) {
    super(message);
    this.name = 'BundleError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** An invalid config.json: message is `config.json: <field>: <problem>`. */
export function specError(field: string, problem: string): BundleError {
  return new BundleError('EINVAL', `config.json: ${field}: ${problem}`);
}
