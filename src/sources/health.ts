import type { Logger } from '../logger.js';

export type SourceConcern = 'auth' | 'read' | 'write' | 'setup';

/**
 * What /readyz says about one open network (Bluesky, Mastodon). A refused credential is a
 * problem a person must fix: logged once with what to do, shown until a later call succeeds.
 * The network's trouble never stops the other sources.
 */
export class SourceHealth {
  private readonly problems = new Map<SourceConcern, string>();
  private lastReadAt?: Date;
  private waitingUntil?: Date;

  constructor(
    private readonly network: string,
    private readonly summary: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  problem(concern: SourceConcern, reason: string): void {
    if (this.problems.get(concern) === reason) return;
    this.problems.set(concern, reason);
    this.logger.error({ concern }, `${this.network}: ${reason}`);
  }

  resolved(concern: SourceConcern): void {
    if (!this.problems.delete(concern)) return;
    this.logger.info({ concern }, `${this.network}: working again`);
  }

  hasProblem(concern: SourceConcern): boolean {
    return this.problems.has(concern);
  }

  read(at: Date): void {
    this.lastReadAt = at;
    this.resolved('read');
  }

  waiting(until: Date | undefined): void {
    this.waitingUntil = until;
  }

  check(): { ok: boolean; detail: string } {
    if (this.problems.size > 0) return { ok: false, detail: [...this.problems.values()].join('; ') };
    const parts = [this.summary];
    if (this.lastReadAt) parts.push(`last read ${this.lastReadAt.toISOString()}`);
    if (this.waitingUntil && this.waitingUntil.getTime() > this.now().getTime()) parts.push(`waiting for ${this.network}'s rate limit until ${this.waitingUntil.toISOString()}`);
    return { ok: true, detail: parts.join('; ') };
  }
}
