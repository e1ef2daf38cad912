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
