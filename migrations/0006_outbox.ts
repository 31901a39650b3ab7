import { sql, type Kysely } from 'kysely';

// The outbox's delivery facts get their own columns instead of a prefix in `last_error`:
// `in_flight` is set when a job is leased and cleared only when the attempt ends with an answer,
// so a crash mid-send leaves it set; `delivery_unknown` says an earlier attempt may have reached
// Slack and the next one must look the message up first. `slack_channel_pace` is one row per
// channel holding the next send time, shared by every replica (Slack's limit is per channel).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('slack_jobs')
    .addColumn('in_flight', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('delivery_unknown', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update slack_jobs set delivery_unknown = true, last_error = substr(last_error, 10)
            where last_error like 'unknown: %'`.execute(db);
  await db.schema
    .createTable('slack_channel_pace')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slack_channel_pace').ifExists().execute();
  await sql`update slack_jobs set last_error = 'unknown: ' || coalesce(last_error, '') where delivery_unknown`.execute(db);
  await db.schema.alterTable('slack_jobs').dropColumn('delivery_unknown').dropColumn('in_flight').execute();
}
