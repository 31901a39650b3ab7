import { sql } from 'kysely';
import { SLA_STATE, type SlaState } from '../domain/sla.js';
import type { Executor } from './database.js';

export interface ExportPageQuery {
  from: Date;
  to: Date;
  userId?: string;
  now: Date;
  /** Keyset: the last row of the page before. */
  after?: { posted: Date; id: number };
  limit: number;
}

/**
 * The CSV's columns, in order: one row per case (a row of `mentions`), its columns as stored and
 * the ones computed below; `customer_posts` is how many posts the customer wrote in the case.
 */
export const EXPORT_COLUMNS = [
  'id',
  'source',
  'external_id',
  'url',
  'posted_at',
  'author_handle',
  'author_name',
  'author_followers',
  'priority',
  'sentiment',
  'sentiment_score',
  'status',
  'owner',
  'claimed_at',
  'first_response_at',
  'first_response_by',
  'first_response_minutes',
  'sla_due_at',
  'sla_state',
  'escalated_at',
  'escalation_category',
  'escalation_severity',
  'closed_at',
  'close_kind',
  'close_reason',
  'customer_posts',
  'next_responses',
  'text',
] as const;

const COMPUTED = ['sentiment', 'owner', 'first_response_minutes', 'next_responses', 'sla_state'] as const;
type StoredColumn = Exclude<(typeof EXPORT_COLUMNS)[number], (typeof COMPUTED)[number]>;
const STORED = EXPORT_COLUMNS.filter((c): c is StoredColumn => !(COMPUTED as readonly string[]).includes(c));

const state = (s: SlaState) => sql.lit<SlaState>(s);

/** One page of the CSV export: mentions posted in [from, to), in (posted_at, id) order. */
export function exportPage(db: Executor, q: ExportPageQuery) {
  const after = q.after;
  return db
    .selectFrom('mentions')
    .select((eb) => [
      // Answers after the customer wrote again (case_responses_case_idx).
      eb
        .selectFrom('case_responses')
        .select((r) => r.fn.countAll<number>().as('n'))
        .whereRef('case_responses.case_id', '=', 'mentions.id')
        .where('case_responses.kind', '=', 'next')
        .as('next_responses'),
      ...STORED.map((c) => eb.ref(c).as(c)),
      eb.ref('posted_at').as('posted_key'),
      eb.ref('sentiment_label').as('sentiment'),
      eb.ref('owner_id').as('owner'),
      // Raw: the builder has no extract(epoch …) or numeric rounding.
      sql<string | null>`case when first_response_at is not null then round((greatest(0, extract(epoch from (first_response_at - posted_at))) / 60)::numeric, 1) end`.as(
        'first_response_minutes',
      ),
      eb
        .case()
        .when('first_response_at', 'is not', null)
        .then(eb.case().when('first_response_at', '<=', eb.ref('sla_due_at')).then(state(SLA_STATE.met)).else(state(SLA_STATE.missed)).end())
        .when('closed_at', 'is not', null)
        .then(state(SLA_STATE.notApplicable))
        .when('sla_due_at', '<', q.now)
        .then(state(SLA_STATE.breached))
        .when('sla_warn_at', '<=', q.now)
        .then(state(SLA_STATE.atRisk))
        .else(state(SLA_STATE.onTrack))
        .end()
        .as('sla_state'),
    ])
    .where('posted_at', '>=', q.from)
    .where('posted_at', '<', q.to)
    .$if(q.userId !== undefined, (qb) => qb.where('owner_id', '=', q.userId!))
    .$if(after !== undefined, (qb) => qb.where((eb) => eb(eb.refTuple('posted_at', 'id'), '>', eb.tuple(after!.posted, after!.id))))
    .orderBy('posted_at')
    .orderBy('id')
    .limit(q.limit)
    .execute();
}
