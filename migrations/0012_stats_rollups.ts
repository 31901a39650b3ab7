import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// Rollups behind /social-stats, kept by triggers in the same transaction as every change to
// `mentions`, `posts` and `case_responses`, so no write path can forget them.
//
// A case (or post, or response) contributes +1 to a few keys (metric, dim, bucket) at a time `at`
// (stats_mention_keys, stats_post_keys, stats_response_keys); each key is counted in hour, day,
// week and four-week bins (level 'h', 'd', 'w': 7 days, 'm': 28 days, both from 2000-01-01) of that
// time, in UTC; the metric 'quarter' (cases by the quarter hour, for
// the busiest hours of the day in any time zone) only in 15-minute bins (level 'q').
// - dim: the owner (claimed, due, met) or the first replier (frt_by); '' for the team's total;
// - bucket: for the time histograms (frt, frt_by, next_wait) the response time's bucket
//   (stats_bucket: 30 s up to 4 h, 5 min up to 24 h, 1 h up to 14 days, then one open bucket); 0 otherwise.
//
// Statement-level AFTER triggers with transition tables subtract the old rows' contributions and
// add the new rows', summed per key (net-zero keys dropped), and APPEND them to stats_rollup_delta
// (plain inserts: writers never wait on each other for a key). A compaction folds the deltas into
// stats_rollup (one statement: delete … returning, group by, insert … on conflict do update).
// Readers sum both. TRUNCATE of a table removes its metrics.

const LEVELS = `(values ('h', interval '1 hour'), ('d', interval '1 day'), ('w', interval '7 days'), ('m', interval '28 days'), ('q', interval '15 minutes')) as v(level, width)`;
const ORIGIN = `timestamptz '2000-01-01 00:00:00+00'`;

/** Insert into `target` the signed contributions of `source` rows (a select of sign + key columns). */
function foldInto(target: string, source: string): string {
  return `insert into ${target} (level, bin, metric, dim, bucket, n)
    select v.level, date_bin(v.width, k.at, ${ORIGIN}), k.metric, k.dim, k.bucket, sum(k.sign)
      from (${source}) k
      cross join lateral (select * from ${LEVELS}) v
     where (v.level = 'q') = (k.metric = 'quarter') and k.at is not null
     group by 1, 2, 3, 4, 5
    having sum(k.sign) <> 0`;
}

const MENTION_ARGS = (r: string) =>
  `${r}.posted_at, ${r}.status, ${r}.owner_id, ${r}.first_response_at, ${r}.first_response_by, ${r}.escalated_at, ${r}.escalation_category, ${r}.sentiment_label, ${r}.sla_due_at, ${r}.closed_at`;
const POST_ARGS = (r: string) => `${r}.direction, ${r}.posted_at`;
const RESPONSE_ARGS = (r: string) => `${r}.kind, ${r}.waiting_since, ${r}.due_at, ${r}.responded_at`;

const TABLES = [
  { table: 'mentions', keys: 'stats_mention_keys', args: MENTION_ARGS, metrics: `metric not in ('posts', 'next', 'next_met', 'next_wait')` },
  { table: 'posts', keys: 'stats_post_keys', args: POST_ARGS, metrics: `metric = 'posts'` },
  { table: 'case_responses', keys: 'stats_response_keys', args: RESPONSE_ARGS, metrics: `metric in ('next', 'next_met', 'next_wait')` },
] as const;

const signed = (sign: number, rows: string, keys: string, args: string) => `select ${sign} as sign, s.* from ${rows} r cross join lateral ${keys}(${args}) s`;

export async function up(db: Kysely<any>): Promise<void> {
  const rollupColumns = (t: ReturnType<typeof db.schema.createTable>) =>
    t
      .addColumn('level', 'char(1)', (c) => c.notNull())
      .addColumn('bin', 'timestamptz', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('dim', 'text', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('n', 'bigint', (c) => c.notNull());
  await rollupColumns(db.schema.createTable('stats_rollup')).execute();
  // The count rides in the key's index: a period's bins are read by index-only range scans.
  await sql`alter table stats_rollup add constraint stats_rollup_pkey primary key (level, bin, metric, dim, bucket) include (n)`.execute(db);
  // Keys whose count fell to zero, deleted after each compaction.
  await sql`create index stats_rollup_zero_idx on stats_rollup (level) where n = 0`.execute(db);
  await rollupColumns(db.schema.createTable('stats_rollup_delta')).execute();
  await sql`create index stats_rollup_delta_bin_idx on stats_rollup_delta (level, bin)`.execute(db);
  // Every compaction deletes the whole table: vacuum it soon after, so readers do not wade through
  // dead rows (bitmap scans of the index do not skip them).
  await sql`alter table stats_rollup_delta set (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0)`.execute(db);

  await sql`
    create function stats_bucket(seconds float8) returns integer language sql immutable parallel safe as $$
      select case when seconds < 14400 then floor(greatest(seconds, 0) / 30)::int
                  when seconds < 86400 then 480 + floor((seconds - 14400) / 300)::int
                  when seconds < 1209600 then 720 + floor((seconds - 86400) / 3600)::int
                  else 1032 end
    $$`.execute(db);

  await sql`
    create function stats_mention_keys(posted_at timestamptz, status text, owner_id text, first_response_at timestamptz,
                                       first_response_by text, escalated_at timestamptz, escalation_category text,
                                       sentiment_label text, sla_due_at timestamptz, closed_at timestamptz)
    returns table (metric text, dim text, bucket integer, at timestamptz) language sql immutable parallel safe as $$
      select k.metric, k.dim, k.bucket, k.at
        from (values
          ('received', '', 0, posted_at, true),
          ('quarter', '', 0, posted_at, true),
          ('answered', '', 0, posted_at, first_response_at is not null),
          ('open', '', 0, posted_at, first_response_at is null and status in ('new', 'claimed', 'escalated')),
          ('closed_no_reply', '', 0, posted_at, status = 'closed_no_reply'),
          ('escalated', '', 0, posted_at, escalated_at is not null),
          ('esc_isolated', '', 0, posted_at, escalated_at is not null and escalation_category = 'isolated'),
          ('esc_policy', '', 0, posted_at, escalated_at is not null and escalation_category = 'policy'),
          ('esc_procedural', '', 0, posted_at, escalated_at is not null and escalation_category = 'procedural'),
          ('esc_other', '', 0, posted_at, escalated_at is not null and (escalation_category is null or escalation_category not in ('isolated', 'policy', 'procedural'))),
          ('positive', '', 0, posted_at, sentiment_label = 'positive'),
          ('neutral', '', 0, posted_at, sentiment_label = 'neutral'),
          ('negative', '', 0, posted_at, sentiment_label = 'negative'),
          ('unscored', '', 0, posted_at, sentiment_label is null or sentiment_label not in ('positive', 'neutral', 'negative')),
          ('claimed', owner_id, 0, posted_at, owner_id is not null),
          ('frt', '', stats_bucket(extract(epoch from greatest(first_response_at, posted_at) - posted_at)::float8), posted_at, first_response_at is not null),
          ('frt_by', first_response_by, stats_bucket(extract(epoch from greatest(first_response_at, posted_at) - posted_at)::float8), posted_at,
           first_response_at is not null and first_response_by is not null),
          ('due', '', 0, sla_due_at, first_response_at is not null or closed_at is null),
          ('met', '', 0, sla_due_at, first_response_at <= sla_due_at),
          ('due', owner_id, 0, sla_due_at, owner_id is not null and (first_response_at is not null or closed_at is null)),
          ('met', owner_id, 0, sla_due_at, owner_id is not null and first_response_at <= sla_due_at)
        ) as k(metric, dim, bucket, at, counted)
       where k.counted
    $$`.execute(db);

  await sql`
    create function stats_post_keys(direction text, posted_at timestamptz)
    returns table (metric text, dim text, bucket integer, at timestamptz) language sql immutable parallel safe as $$
      select 'posts'::text, ''::text, 0, posted_at where direction = 'inbound'
    $$`.execute(db);

  await sql`
    create function stats_response_keys(kind text, waiting_since timestamptz, due_at timestamptz, responded_at timestamptz)
    returns table (metric text, dim text, bucket integer, at timestamptz) language sql immutable parallel safe as $$
      select k.metric, k.dim, k.bucket, k.at
        from (values
          ('next', '', 0, responded_at, true),
          ('next_met', '', 0, responded_at, responded_at <= due_at),
          ('next_wait', '', stats_bucket(extract(epoch from greatest(responded_at, waiting_since) - waiting_since)::float8), responded_at, true)
        ) as k(metric, dim, bucket, at, counted)
       where kind = 'next' and k.counted
    $$`.execute(db);

  for (const t of TABLES) {
    const fn = `stats_${t.table}_changed`;
    await sql
      .raw(
        `create function ${fn}() returns trigger language plpgsql as $$
         begin
           if tg_op = 'INSERT' then
             ${foldInto('stats_rollup_delta', signed(1, 'new_rows', t.keys, t.args('r')))};
           elsif tg_op = 'DELETE' then
             ${foldInto('stats_rollup_delta', signed(-1, 'old_rows', t.keys, t.args('r')))};
           else
             ${foldInto('stats_rollup_delta', `${signed(-1, 'old_rows', t.keys, t.args('r'))} union all ${signed(1, 'new_rows', t.keys, t.args('r'))}`)};
           end if;
           return null;
         end $$`,
      )
      .execute(db);
    await sql.raw(`create trigger ${t.table}_stats_insert after insert on ${t.table} referencing new table as new_rows for each statement execute function ${fn}()`).execute(db);
    await sql
      .raw(`create trigger ${t.table}_stats_update after update on ${t.table} referencing old table as old_rows new table as new_rows for each statement execute function ${fn}()`)
      .execute(db);
    await sql.raw(`create trigger ${t.table}_stats_delete after delete on ${t.table} referencing old table as old_rows for each statement execute function ${fn}()`).execute(db);
    await sql
      .raw(
        `create function stats_${t.table}_truncated() returns trigger language plpgsql as $$
         begin
           delete from stats_rollup where ${t.metrics};
           delete from stats_rollup_delta where ${t.metrics};
           return null;
         end $$`,
      )
      .execute(db);
    await sql.raw(`create trigger ${t.table}_stats_truncate after truncate on ${t.table} for each statement execute function stats_${t.table}_truncated()`).execute(db);
    // The triggers above lock the table against writes until this migration commits: the
    // backfill sees every row, and every later change goes through the triggers.
    await sql.raw(foldInto('stats_rollup', signed(1, t.table, t.keys, t.args('r')))).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    for (const op of ['insert', 'update', 'delete', 'truncate']) await sql.raw(`drop trigger if exists ${t.table}_stats_${op} on ${t.table}`).execute(db);
    await sql.raw(`drop function if exists stats_${t.table}_changed()`).execute(db);
    await sql.raw(`drop function if exists stats_${t.table}_truncated()`).execute(db);
  }
  await sql`drop function if exists stats_mention_keys(timestamptz, text, text, timestamptz, text, timestamptz, text, text, timestamptz, timestamptz)`.execute(db);
  await sql`drop function if exists stats_post_keys(text, timestamptz)`.execute(db);
  await sql`drop function if exists stats_response_keys(text, timestamptz, timestamptz, timestamptz)`.execute(db);
  await sql`drop function if exists stats_bucket(float8)`.execute(db);
  await db.schema.dropTable('stats_rollup_delta').ifExists().execute();
  await db.schema.dropTable('stats_rollup').ifExists().execute();
}
