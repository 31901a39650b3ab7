import { sql, type Kysely } from 'kysely';

// The unauthenticated /metrics counts pending and failed Slack jobs: each count reads a partial
// index (pending has one since 0001), not the whole table. Sent jobs are pruned by done_at after a
// retention period; its partial index keeps that delete from scanning the live rows.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists slack_jobs_failed_idx on slack_jobs (id) where status = 'failed'`.execute(db);
  await sql`create index if not exists slack_jobs_done_at_idx on slack_jobs (done_at) where status = 'done'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('slack_jobs_done_at_idx').ifExists().execute();
  await db.schema.dropIndex('slack_jobs_failed_idx').ifExists().execute();
}
