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

const state = (s: SlaState) => sql.lit<SlaState>(s);

/** One page of the CSV export: mentions posted in [from, to), in (posted_at, id) order. */
export function exportPage(db: Executor, q: ExportPageQuery) {
  const after = q.after;
  return db
    .selectFrom('mentions')
    .select((eb) => [
      'id',
      'source',
      'external_id',
      'url',
      'posted_at',
      eb.ref('posted_at').as('posted_key'),
      'author_handle',
      'author_name',
      'author_followers',
      'priority',
      eb.ref('sentiment_label').as('sentiment'),
      'sentiment_score',
      'status',
      eb.ref('owner_id').as('owner'),
      'claimed_at',
      'first_response_at',
      'first_response_by',
      // Raw: the builder has no extract(epoch …) or numeric rounding.
      sql<string | null>`case when first_response_at is not null then round((greatest(0, extract(epoch from (first_response_at - posted_at))) / 60)::numeric, 1) end`.as(
        'first_response_minutes',
      ),
      'sla_due_at',
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
      'escalated_at',
      'escalation_category',
      'escalation_severity',
      'closed_at',
      'close_kind',
      'close_reason',
      'text',
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
