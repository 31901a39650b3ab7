import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// A brand post that answers a post earshot has not stored yet (the brand replied on the network
// before earshot read the customer's post: the own timeline and the mentions are separate reads,
// and a webhook sender may send them in any order) waits here for that post, instead of being
// dropped, and is recorded in its case when the post arrives. One row per brand post.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('brand_posts_waiting')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    // The external id (same source) of the post it answers.
    .addColumn('in_reply_to', 'text', (c) => c.notNull())
    // The post as the source gave it (the normalised shape, dates as ISO strings).
    .addColumn('post', 'jsonb', (c) => c.notNull())
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('brand_posts_waiting_pkey', ['source', 'external_id'])
    .execute();
  await sql`create index brand_posts_waiting_target_idx on brand_posts_waiting (source, in_reply_to)`.execute(db);
  await sql`create index brand_posts_waiting_seen_idx on brand_posts_waiting (seen_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('brand_posts_waiting').ifExists().execute();
}
