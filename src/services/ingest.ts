import type { Db } from '../db/database.js';
import { insertMentions, knownAuthors } from '../db/mentions.js';
import type { NewMention } from '../db/schema.js';
import { enqueueJobs, JOB_PRIORITY } from '../db/slack-jobs.js';
import { analyzeSentiment } from '../domain/sentiment.js';
import { scorePriority, type PriorityRules } from '../domain/priority.js';
import { slaDeadlines, type SlaPolicy } from '../domain/sla.js';
import type { IncomingMention } from '../domain/mention.js';

export interface IngestDeps {
  db: Db;
  triageChannel: string;
  slaPolicy: SlaPolicy;
  priorityRules?: PriorityRules;
  /** Called after a commit that added mentions, to wake the card queue. */
  onStored?: (ids: number[]) => void;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: number[];
  /** Stored and duplicate counts per source, for metrics. */
  bySource: Record<string, { accepted: number; duplicates: number }>;
}

/**
 * Stores mentions and queues their cards in one transaction: either every new mention of the
 * batch and its card job are stored, or nothing is. Mentions already stored are counted as
 * duplicates and left alone.
 */
export async function ingestMentions(deps: IngestDeps, items: IncomingMention[]): Promise<IngestResult> {
  if (items.length === 0) return { accepted: 0, duplicates: 0, ids: [], bySource: {} };
  const inserted = await deps.db.transaction().execute(async (trx) => {
    const seenBefore = new Map<string, Set<string>>();
    for (const source of new Set(items.map((i) => i.source))) {
      const handles = items.filter((i) => i.source === source).map((i) => i.author.handle);
      seenBefore.set(source, await knownAuthors(trx, source, handles));
    }
    const firstInBatch = new Set<string>();
    const rows: NewMention[] = items.map((m) => {
      const key = `${m.source}\u0000${m.author.handle.toLowerCase()}`;
      const firstContact = !seenBefore.get(m.source)?.has(m.author.handle.toLowerCase()) && !firstInBatch.has(key);
      firstInBatch.add(key);
      return toRow(m, firstContact, deps);
    });
    const ids = await insertMentions(trx, rows);
    // One statement for the batch's cards: a round trip per card was most of a batch's time.
    await enqueueJobs(
      trx,
      ids.map((r) => ({ kind: 'post_card', channel: deps.triageChannel, mentionId: r.id, dedupeKey: `card:${r.id}`, priority: JOB_PRIORITY.card })),
    );
    return ids;
  });
  const ids = inserted.map((r) => r.id);
  if (ids.length > 0) deps.onStored?.(ids);
  const bySource: IngestResult['bySource'] = {};
  for (const i of items) (bySource[i.source] ??= { accepted: 0, duplicates: 0 }).duplicates++;
  for (const r of inserted) {
    const s = bySource[r.source]!;
    s.accepted++;
    s.duplicates--;
  }
  return { accepted: ids.length, duplicates: items.length - ids.length, ids, bySource };
}

function toRow(m: IncomingMention, firstContact: boolean, deps: IngestDeps): NewMention {
  const sentiment = analyzeSentiment(m.text);
  const { priority, reasons } = scorePriority(
    { followers: m.author.followers ?? null, firstContact, sentiment },
    deps.priorityRules,
  );
  const { warnAt, dueAt } = slaDeadlines(m.postedAt, priority, deps.slaPolicy);
  return {
    source: m.source,
    external_id: m.externalId,
    url: m.url ?? null,
    text: m.text,
    author_external_id: m.author.id ?? null,
    author_handle: m.author.handle,
    author_name: m.author.name ?? null,
    author_followers: m.author.followers ?? null,
    posted_at: m.postedAt,
    lang: m.lang ?? null,
    conversation_id: m.conversationId ?? null,
    sentiment_score: sentiment.score,
    sentiment_label: sentiment.label,
    priority,
    priority_reasons: JSON.stringify(reasons),
    first_contact: firstContact,
    sla_warn_at: warnAt,
    sla_due_at: dueAt,
    // The SLA sweep's first look: at the warning (or at once, for a mention that arrives late).
    sla_next_check_at: warnAt,
    raw: m.raw === undefined ? null : JSON.stringify(m.raw),
  };
}
