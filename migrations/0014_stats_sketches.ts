import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// Two changes to the /social-stats rollups of 0012, so that what a report reads no longer grows
// with the volume of cases:
//
// 1. Response-time histograms (metrics frt, frt_by, next_wait) move from one row per bucket in
//    stats_rollup to one row per histogram in stats_hist: (level, bin, metric, dim) and a packed
//    `counts`, the non-zero buckets in ascending order as 6-byte pairs (int2 bucket, int4 count,
//    big-endian: what int2send/int4send write). A bin's histogram of one replier used to be up to a
//    thousand rows, each an index entry read, summed and sorted by the executor; now it is one row
//    whose bytes the reader adds up. The deltas the triggers append stay one row per bucket; the
//    compaction folds them into the packed rows (stats_sketch_add).
// 2. The 'open' metric (cases waiting for a first reply) is also counted at level 'a', one bin for
//    all time, so "open now" is a sum of a few rows instead of a count over the open backlog.
// 3. The deadline keys (due, met) come from a function of their own, stats_due_keys, of the four
//    columns mentions_stats_due_idx holds: stats_mention_keys uses it (the same keys as before),
//    and a report reads the deadlines still ahead in the current hour (the only keys dated in the
//    future) by an index-only scan through it, instead of every column of those cases.
//
// The trigger functions of 0012 are replaced (same names, same transition tables), only their list
// of levels changes; the TRUNCATE functions also empty stats_hist.

const LEVELS = `(values ('h', interval '1 hour'), ('d', interval '1 day'), ('w', interval '7 days'), ('m', interval '28 days'), ('q', interval '15 minutes'), ('a', interval '100000 days')) as v(level, width)`;
const ORIGIN = `timestamptz '2000-01-01 00:00:00+00'`;
/** Which levels count a metric: 'quarter' only in 15-minute bins, 'open' also for all time. */
const LEVEL_OF_METRIC = `case v.level when 'q' then k.metric = 'quarter' when 'a' then k.metric = 'open' else k.metric <> 'quarter' end`;
const HISTOGRAMS = `('frt', 'frt_by', 'next_wait')`;

/** 0012's levels and rule, for `down`. */
const LEVELS_0012 = `(values ('h', interval '1 hour'), ('d', interval '1 day'), ('w', interval '7 days'), ('m', interval '28 days'), ('q', interval '15 minutes')) as v(level, width)`;
const LEVEL_OF_METRIC_0012 = `(v.level = 'q') = (k.metric = 'quarter')`;

interface Shape {
  levels: string;
  levelOfMetric: string;
  /** The tables a TRUNCATE of the counted table empties of its metrics. */
  cleared: string[];
}
const SHAPE: Shape = { levels: LEVELS, levelOfMetric: LEVEL_OF_METRIC, cleared: ['stats_rollup', 'stats_rollup_delta', 'stats_hist'] };
const SHAPE_0012: Shape = { levels: LEVELS_0012, levelOfMetric: LEVEL_OF_METRIC_0012, cleared: ['stats_rollup', 'stats_rollup_delta'] };

function foldInto(shape: Shape, source: string): string {
  return `insert into stats_rollup_delta (level, bin, metric, dim, bucket, n)
    select v.level, date_bin(v.width, k.at, ${ORIGIN}), k.metric, k.dim, k.bucket, sum(k.sign)
      from (${source}) k
      cross join lateral (select * from ${shape.levels}) v
     where ${shape.levelOfMetric} and k.at is not null
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

const DUE_KEYS = `
  create function stats_due_keys(owner_id text, first_response_at timestamptz, sla_due_at timestamptz, closed_at timestamptz)
  returns table (metric text, dim text, bucket integer, at timestamptz) language sql immutable parallel safe as $$
    select k.metric, k.dim, 0, sla_due_at
      from (values
        ('due', '', first_response_at is not null or closed_at is null),
        ('met', '', first_response_at <= sla_due_at),
        ('due', owner_id, owner_id is not null and (first_response_at is not null or closed_at is null)),
        ('met', owner_id, owner_id is not null and first_response_at <= sla_due_at)
      ) as k(metric, dim, counted)
     where k.counted
  $$`;

/** 0012's keys of a case, with the deadline keys (due, met) from stats_due_keys (or, for \`down\`, inline as in 0012). */
function mentionKeys(due: 'function' | 'inline'): string {
  const dueRows =
    due === 'inline'
      ? `,
          ('due', '', 0, sla_due_at, first_response_at is not null or closed_at is null),
          ('met', '', 0, sla_due_at, first_response_at <= sla_due_at),
          ('due', owner_id, 0, sla_due_at, owner_id is not null and (first_response_at is not null or closed_at is null)),
          ('met', owner_id, 0, sla_due_at, owner_id is not null and first_response_at <= sla_due_at)`
      : '';
  const dueUnion = due === 'function' ? `\n      union all\n      select * from stats_due_keys(owner_id, first_response_at, sla_due_at, closed_at)` : '';
  return `
    create or replace function stats_mention_keys(posted_at timestamptz, status text, owner_id text, first_response_at timestamptz,
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
           first_response_at is not null and first_response_by is not null)${dueRows}
        ) as k(metric, dim, bucket, at, counted)
       where k.counted${dueUnion}
    $$`;
}

/** The pairs of a packed histogram as rows (the count read as a signed int4). */
const ENTRIES = `
  create function stats_sketch_entries(s bytea) returns table (bucket integer, n bigint) language sql immutable parallel safe as $$
    select (get_byte(s, 6 * i) << 8 | get_byte(s, 6 * i + 1))::integer,
           (get_byte(s, 6 * i + 2)::bigint << 24 | get_byte(s, 6 * i + 3) << 16 | get_byte(s, 6 * i + 4) << 8 | get_byte(s, 6 * i + 5))
             - case when get_byte(s, 6 * i + 2) >= 128 then 4294967296 else 0 end
      from generate_series(0, length(s) / 6 - 1) as i
  $$`;

/** The sum of two packed histograms, packed (buckets that sum to zero dropped). */
const ADD = `
  create function stats_sketch_add(a bytea, b bytea) returns bytea language sql immutable parallel safe as $$
    select coalesce(string_agg(int2send(bucket::smallint) || int4send(n::integer), ''::bytea order by bucket), ''::bytea)
      from (select bucket, sum(n) as n
              from (select * from stats_sketch_entries(a) union all select * from stats_sketch_entries(b)) e
             group by bucket
            having sum(n) <> 0) x
  $$`;

/** The trigger functions of the three counted tables (same names as 0012's), for `shape`. */
async function replaceTriggerFunctions(db: Kysely<any>, shape: Shape): Promise<void> {
  for (const t of TABLES) {
    const rows = (sign: number, table: string) => signed(sign, table, t.keys, t.args('r'));
    await sql
      .raw(
        `create or replace function stats_${t.table}_changed() returns trigger language plpgsql as $$
         begin
           if tg_op = 'INSERT' then
             ${foldInto(shape, rows(1, 'new_rows'))};
           elsif tg_op = 'DELETE' then
             ${foldInto(shape, rows(-1, 'old_rows'))};
           else
             ${foldInto(shape, `${rows(-1, 'old_rows')} union all ${rows(1, 'new_rows')}`)};
           end if;
           return null;
         end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create or replace function stats_${t.table}_truncated() returns trigger language plpgsql as $$
         begin
           ${shape.cleared.map((table) => `delete from ${table} where ${t.metrics};`).join('\n           ')}
           return null;
         end $$`,
      )
      .execute(db);
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stats_hist')
    .addColumn('level', 'char(1)', (c) => c.notNull())
    .addColumn('bin', 'timestamptz', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('dim', 'text', (c) => c.notNull())
    .addColumn('counts', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_hist_pkey', ['level', 'bin', 'metric', 'dim'])
    .execute();
  // Compressed in the row rather than moved to the TOAST table: one heap read per histogram.
  await sql`alter table stats_hist alter column counts set storage main`.execute(db);
  // Histograms whose buckets all fell to zero, deleted after each compaction.
  await sql`create index stats_hist_empty_idx on stats_hist (level) where counts = ''::bytea`.execute(db);
  await sql.raw(ENTRIES).execute(db);
  await sql.raw(ADD).execute(db);
  await sql.raw(DUE_KEYS).execute(db);

  // Every write to the three tables (and a compaction on a replica not yet stopped) waits here
  // until the migration commits, so the moves below see every row and every later change goes
  // through the new triggers.
  await sql`lock table mentions, posts, case_responses, stats_rollup, stats_rollup_delta in share row exclusive mode`.execute(db);
  await sql.raw(mentionKeys('function')).execute(db);
  await replaceTriggerFunctions(db, SHAPE);

  // The compacted histogram keys become packed rows (pending deltas stay: the compaction folds them).
  await sql
    .raw(
      `insert into stats_hist (level, bin, metric, dim, counts)
       select level, bin, metric, dim, string_agg(int2send(bucket::smallint) || int4send(n::integer), ''::bytea order by bucket)
         from stats_rollup
        where metric in ${HISTOGRAMS} and n <> 0
        group by 1, 2, 3, 4
        order by 1, 2, 3, 4`,
    )
    .execute(db);
  await sql.raw(`delete from stats_rollup where metric in ${HISTOGRAMS}`).execute(db);
  // The cases waiting now, counted for all time (through the same key function as the triggers).
  await sql
    .raw(
      `insert into stats_rollup (level, bin, metric, dim, bucket, n)
       select 'a', date_bin(interval '100000 days', k.at, ${ORIGIN}), k.metric, k.dim, k.bucket, count(*)
         from mentions r cross join lateral stats_mention_keys(${MENTION_ARGS('r')}) k
        where k.metric = 'open' and k.at is not null
        group by 1, 2, 3, 4, 5`,
    )
    .execute(db);
  await sql`analyze stats_hist`.execute(db);
  await sql`analyze stats_rollup`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Back to 0012's shape: the histograms one row per bucket again, no all-time level.
  await sql`lock table mentions, posts, case_responses, stats_rollup, stats_rollup_delta in share row exclusive mode`.execute(db);
  await replaceTriggerFunctions(db, SHAPE_0012);
  await sql`
    insert into stats_rollup (level, bin, metric, dim, bucket, n)
    select h.level, h.bin, h.metric, h.dim, e.bucket, e.n from stats_hist h cross join lateral stats_sketch_entries(h.counts) e
    order by 1, 2, 3, 4, 5`.execute(db);
  await sql`delete from stats_rollup where level = 'a'`.execute(db);
  await sql`delete from stats_rollup_delta where level = 'a'`.execute(db);
  await db.schema.dropTable('stats_hist').execute();
  await sql.raw(mentionKeys('inline')).execute(db);
  await sql`drop function if exists stats_due_keys(text, timestamptz, timestamptz, timestamptz)`.execute(db);
  await sql`drop function stats_sketch_add(bytea, bytea)`.execute(db);
  await sql`drop function stats_sketch_entries(bytea)`.execute(db);
}
