import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// Indexes behind /social-stats and the App Home (src/services/stats.ts, src/services/home.ts).
// The aggregates read only the columns an index carries (INCLUDE), so Postgres answers them with
// index-only range scans instead of visiting a million heap rows.

export async function up(db: Kysely<any>): Promise<void> {
  // Mentions received in a period: counts, first-response percentiles, sentiment, escalations,
  // per-person table and busiest hours. Leads with posted_at, so it replaces the plain index.
  await sql`create index mentions_stats_posted_idx on mentions (posted_at)
            include (status, first_response_at, first_response_by, owner_id, closed_at, escalated_at, escalation_category, sentiment_label)`.execute(db);
  await sql`drop index if exists mentions_posted_at_idx`.execute(db);

  // Deadlines that fell in a period: "% within target", in total and per owner.
  await sql`create index mentions_stats_due_idx on mentions (sla_due_at)
            include (first_response_at, closed_at, owner_id)`.execute(db);

  // One person's numbers (`/social-stats 30d @someone`, `me`): owned, and first replies sent.
  await sql`create index mentions_stats_owner_idx on mentions (owner_id, posted_at)
            include (status, first_response_at, first_response_by, closed_at, sla_due_at, escalated_at, escalation_category, sentiment_label)
            where owner_id is not null`.execute(db);
  await sql`create index mentions_stats_replier_idx on mentions (first_response_by, posted_at)
            include (first_response_at, owner_id)
            where first_response_by is not null`.execute(db);

  // The queue now: open, unanswered mentions with both deadlines, by owner (counts of at risk and
  // overdue, "My mentions" on the Home tab).
  await sql`create index mentions_open_stats_idx on mentions (owner_id, sla_due_at)
            include (sla_warn_at)
            where first_response_at is null and status in ('new', 'claimed', 'escalated')`.execute(db);

  // "Unclaimed, oldest first" on the Home tab.
  await sql`create index mentions_unclaimed_idx on mentions (posted_at)
            where owner_id is null and status in ('new', 'escalated')`.execute(db);

  // Who has opened the Home tab lately: after a change, every replica refreshes their views.
  await db.schema
    .createTable('home_viewers')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('home_viewers_opened_idx').on('home_viewers').column('opened_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('home_viewers').ifExists().execute();
  for (const name of ['mentions_unclaimed_idx', 'mentions_open_stats_idx', 'mentions_stats_replier_idx', 'mentions_stats_owner_idx', 'mentions_stats_due_idx']) {
    await sql`drop index if exists ${sql.raw(name)}`.execute(db);
  }
  await sql`create index if not exists mentions_posted_at_idx on mentions (posted_at)`.execute(db);
  await sql`drop index if exists mentions_stats_posted_idx`.execute(db);
}
