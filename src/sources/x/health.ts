import type { Logger } from '../../logger.js';
import type { XErrorDescription } from './errors.js';

export type XConcern = 'read' | 'write' | 'setup';

/**
 * What /readyz says about X. A refused credential or a brand handle X does not know is a
 * problem a person must fix: it is logged once (not every tick) and shown until a later call
 * succeeds. The rest of the bot keeps running.
 */
export class XHealth {
  private readonly problems = new Map<XConcern, string>();
  private lastReadAt?: Date;
  private streamConnected?: boolean;
  private waitingUntil?: Date;

  constructor(
    private readonly summary: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  problem(concern: XConcern, reason: string): void {
    if (this.problems.get(concern) === reason) return;
    this.problems.set(concern, reason);
    this.logger.error({ concern }, `X: ${reason}`);
  }

  resolved(concern: XConcern): void {
    if (!this.problems.has(concern)) return;
    this.problems.delete(concern);
    this.logger.info({ concern }, 'X: working again');
  }

  /** A failed X call: 401/403 become a reported problem; other failures are transient. */
  failed(concern: 'read' | 'write', endpoint: string, d: XErrorDescription): void {
    if (d.status !== 401 && d.status !== 403) return;
    if (concern === 'write' && d.code !== 'unauthorized' && d.code !== 'unsupported_auth') return;
    const which = concern === 'read' ? 'X_BEARER_TOKEN' : 'X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET';
    this.problem(concern, `${d.reason} (${endpoint}); check ${which} and the app's access level on X`);
  }

  read(at: Date): void {
    this.lastReadAt = at;
    this.resolved('read');
  }

  stream(connected: boolean): void {
    this.streamConnected = connected;
  }

  waiting(until: Date | undefined): void {
    this.waitingUntil = until;
  }

  check(): { ok: boolean; detail: string } {
    if (this.problems.size > 0) return { ok: false, detail: [...this.problems.values()].join('; ') };
    const parts = [this.summary];
    if (this.streamConnected !== undefined) parts.push(this.streamConnected ? 'stream connected' : 'stream reconnecting');
    if (this.lastReadAt) parts.push(`last read ${this.lastReadAt.toISOString()}`);
    if (this.waitingUntil && this.waitingUntil.getTime() > this.now().getTime()) parts.push(`waiting for X's rate limit until ${this.waitingUntil.toISOString()}`);
    return { ok: true, detail: parts.join('; ') };
  }
}
