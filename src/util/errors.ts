/**
 * An expected failure caused by the user's input or environment (bad flag, missing file,
 * corrupt data). CLIs print `error: <message>` without a stack and exit with `exitCode`.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/**
 * An error as it crosses a worker boundary. The structured clone of an Error keeps only its
 * message and stack (and turns a subclass into a plain Error), so the kind and exit code are
 * carried explicitly and the error rebuilt on the other side.
 */
export interface SerializedError {
  kind: 'UserError' | 'Error';
  message: string;
  exitCode?: number;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (isUserError(e)) return { kind: 'UserError', message: e.message, exitCode: e.exitCode };
  if (e instanceof Error) return { kind: 'Error', message: e.message, stack: e.stack };
  return { kind: 'Error', message: String(e) };
}

/** A UserError stays a UserError (one line for the user); anything else keeps the worker's stack. */
export function deserializeError(s: SerializedError): Error {
  if (s.kind === 'UserError') return new UserError(s.message, s.exitCode);
  const e = new Error(s.message);
  if (s.stack) e.stack = s.stack;
  return e;
}
