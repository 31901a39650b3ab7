import { sql, type Kysely } from 'kysely';

export interface SeedOptions {
  /** Mentions in all. */
  total: number;
  /** Of which open (new, claimed, escalated, replied); the rest resolved or closed without reply. */
  open: number;
  /** The seed's "now": open mentions were posted before it, bookkeeping is as of it. */
  now: Date;
  /** Open mentions are posted within this many minutes before `now` (default three days). */
  openSpanMinutes?: number;
  /** Rows per INSERT … SELECT generate_series (default 200 000). */
  chunk?: number;
  /** Triage channel written on the cards (default CTRIAGE01). */
  channel?: string;
}

/**
 * Fills `mentions` with `total` rows in a few INSERT … SELECT generate_series statements, for
 * benchmarks (the SLA sweep, /social-stats). Deterministic (hashint4 of the row number, no
 * random()), so two runs seed the same data.
 *
 * Open mentions: 40 % new, 30 % claimed, 10 % escalated (10 min after the post), 20 % replied
 * (after 20 min); posted evenly over the last `openSpanMinutes` and numbered in the order they were
 * posted, as ingest numbers them (the cases due in one minute lie together in the table and its
 * indexes, as in production); 5 % high and 5 % low priority.
 * Closed ones: posted over the year before that, 90 % resolved (first reply within 2 h), 10 %
 * closed without a reply. Deadlines and SLA bookkeeping are what ingest and a sweep with the
 * default policy (60 min, warning 45, repeats every 30 min up to 4, a follow-up 4 h after an
 * escalation or reply) would have left at `now`: nothing is due at `now`, and the mentions whose
 * next reminder falls in each following minute become due one minute at a time, as in production.
 */
export async function seedMentions(db: Kysely<any>, opts: SeedOptions): Promise<void> {
  const chunk = opts.chunk ?? 200_000;
  const span = Math.max(1, Math.round((opts.openSpanMinutes ?? 3 * 24 * 60) * 60));
  const channel = opts.channel ?? 'CTRIAGE01';
  const now = opts.now;
  for (let from = 1; from <= opts.open; from += chunk) {
    const to = Math.min(opts.open, from + chunk - 1);
    await sql`
      insert into mentions (source, external_id, url, text, author_handle, author_name, author_followers, posted_at,
        sentiment_score, sentiment_label, priority, status, owner_id, claimed_at, escalated_at, escalated_by,
        escalation_severity, escalation_category, escalation_reason, first_response_at, first_response_by,
        sla_warn_at, sla_due_at, card_channel, card_ts)
      select 'x', 'open-' || i, 'https://x.example/p/' || i, 'bench mention ' || i, 'user' || (i % 50000), 'User ' || (i % 50000),
        abs(hashint4(i + 1)) % 20000, posted, -0.4, 'negative', priority, status, owner, case when owner is null then null else posted end,
        escalated, case when escalated is null then null else owner end, case when escalated is null then null else 'medium' end,
        case when escalated is null then null else 'isolated' end, case when escalated is null then null else 'bench' end,
        replied, case when replied is null then null else owner end,
        posted + interval '45 minutes', posted + interval '60 minutes', ${channel}, (1700000000 + i)::text || '.000100'
      from (
        select i, posted, priority, status, owner, now,
          case when status = 'escalated' then least(posted + interval '10 minutes', now) end as escalated,
          case when status = 'replied' then least(posted + interval '20 minutes', now) end as replied
        from (
          select i, ${now}::timestamptz as now,
            ${now}::timestamptz - ((${opts.open}::bigint - i) * ${span} / ${Math.max(1, opts.open)}) * interval '1 second' as posted,
            case i % 20 when 0 then 'high' when 1 then 'low' else 'normal' end as priority,
            case when i % 10 < 4 then 'new' when i % 10 < 7 then 'claimed' when i % 10 = 7 then 'escalated' else 'replied' end as status,
            case when i % 10 < 4 then null else 'UAGENT' || (i % 40) end as owner
          from generate_series(${from}::int, ${to}::int) as i
        ) base
      ) m`.execute(db);
  }
  // The bookkeeping of the open cases (closed ones have nothing scheduled and no row).
  await sql`
    insert into sla_checks (mention_id, stage, next_check_at, follow_ups, follow_up_at)
    select id, stage,
      case
        when status = 'replied' then case when replied + interval '4 hours' > now then replied + interval '4 hours' end
        else nullif(least(
          coalesce(case stage when 0 then posted + interval '45 minutes'
                              when 1 then posted + interval '60 minutes' + interval '1 millisecond'
                              when 6 then null
                              else posted + interval '60 minutes' + (stage - 1) * interval '30 minutes' end, 'infinity'),
          coalesce(case when escalated + interval '4 hours' > now then escalated + interval '4 hours' end, 'infinity')
        ), 'infinity')
      end,
      case when coalesce(escalated, replied) + interval '4 hours' <= now then 1 else 0 end,
      case when coalesce(escalated, replied) + interval '4 hours' <= now then coalesce(escalated, replied) + interval '4 hours' end
    from (
      select id, status, posted, now, escalated, replied,
        case
          when now - posted < interval '45 minutes' then 0
          when now - posted <= interval '60 minutes' then 1
          else 2 + least(4, floor(extract(epoch from (now - posted - interval '60 minutes')) / 1800))::int
        end as stage
      from (
        select id, status, posted_at as posted, escalated_at as escalated, first_response_at as replied, ${now}::timestamptz as now
        from mentions where source = 'x' and external_id like 'open-%'
      ) o
    ) m
    order by id
    on conflict (mention_id) do nothing`.execute(db);
  const closed = opts.total - opts.open;
  for (let from = 1; from <= closed; from += chunk) {
    const to = Math.min(closed, from + chunk - 1);
    await sql`
      insert into mentions (source, external_id, url, text, author_handle, author_followers, posted_at, sentiment_score,
        sentiment_label, priority, status, owner_id, claimed_at, first_response_at, first_response_by, closed_at, closed_by,
        close_kind, close_reason, sla_warn_at, sla_due_at, card_channel, card_ts)
      select case when i % 3 = 0 then 'facebook' else 'x' end, 'closed-' || i, 'https://x.example/c/' || i, 'old mention ' || i,
        'user' || (i % 50000), abs(hashint4(i + 1)) % 20000, posted, 0.1, 'neutral', 'normal', status,
        'UAGENT' || (i % 40), posted + interval '2 minutes',
        case when status = 'resolved' then posted + (abs(hashint4(i + 7)) % 120) * interval '1 minute' end,
        case when status = 'resolved' then 'UAGENT' || (i % 40) end,
        posted + interval '3 hours', 'UAGENT' || (i % 40),
        case when status = 'resolved' then 'resolved' else 'no_reply_needed' end,
        case when status = 'resolved' then null else 'bench' end,
        posted + interval '45 minutes', posted + interval '60 minutes', ${channel}, (1600000000 + i)::text || '.000100'
      from (
        select i, case when i % 10 = 0 then 'closed_no_reply' else 'resolved' end as status,
          ${now}::timestamptz - interval '3 days' - (abs(hashint4(i)) % (365 * 86400)) * interval '1 second' as posted
        from generate_series(${from}::int, ${to}::int) as i
      ) m`.execute(db);
  }
  await sql`analyze mentions`.execute(db);
  await sql`analyze sla_checks`.execute(db);
}
