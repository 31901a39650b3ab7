import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// The SLA sweep resolves quiet cases (answered, not waiting, no customer post for CASE_IDLE_DAYS)
// every tick; this keeps that a read of the answered cases only, oldest first.
//
// The card is rendered from its row alone: the latest customer post's text, and the card of the
// earlier case a new one follows, are kept on the row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('mentions')
    .addColumn('last_customer_text', 'text')
    .addColumn('previous_card_channel', 'text')
    .addColumn('previous_card_ts', 'text')
    .execute();
  await sql`create index mentions_idle_idx on mentions (coalesce(last_customer_post_at, posted_at))
            where status = 'replied' and waiting_since is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists mentions_idle_idx`.execute(db);
  await db.schema.alterTable('mentions').dropColumn('last_customer_text').dropColumn('previous_card_channel').dropColumn('previous_card_ts').execute();
}
