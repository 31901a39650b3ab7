/**
 * Errors a person can act on carry a code; listeners turn them into a polite ephemeral message.
 * Everything else goes to the global error handler and the log.
 */
export type ErrorCode =
  | 'not_found'
  | 'already_claimed'
  | 'not_claimed'
  | 'not_owner'
  | 'already_owner'
  | 'conflict'
  | 'not_allowed'
  | 'closed'
  | 'already_escalated'
  | 'needs_reply_first'
  | 'already_replied'
  | 'reply_failed'
  | 'database_unavailable'
  | 'invalid_input';

export class EarshotError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EarshotError';
  }
}

export function isEarshotError(err: unknown, code?: ErrorCode): err is EarshotError {
  return err instanceof EarshotError && (code === undefined || err.code === code);
}
