import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// What /social-stats reads about conversations, each from one index range:
// - the customer's posts in a period (posts beside the cases), by when they were posted;
// - next waits still open past their deadline (a case answered once whose customer wrote again);
// - a case's next responses (the CSV export's count per case);
// - next responses that ended in a period (count, median wait, in time), with the case for a
//   person's report.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index posts_inbound_posted_idx on posts (posted_at) include (case_id) where direction = 'inbound'`.execute(db);
  await sql`create index case_responses_next_idx on case_responses (responded_at) include (waiting_since, due_at, case_id) where kind = 'next'`.execute(db);
  await sql`create index case_responses_case_idx on case_responses (case_id, kind)`.execute(db);
  await sql`create index mentions_next_wait_idx on mentions (sla_due_at) include (owner_id)
            where waiting_since is not null and first_response_at is not null
              and status in ('new', 'claimed', 'escalated', 'replied')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists mentions_next_wait_idx`.execute(db);
  await sql`drop index if exists posts_inbound_posted_idx`.execute(db);
  await sql`drop index if exists case_responses_case_idx`.execute(db);
  await sql`drop index if exists case_responses_next_idx`.execute(db);
}
