import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// A reply carries the key of the submission that asked for it (the Slack view's id and hash), so
// a double click or a retried request finds the reply already there instead of posting it twice.
// Replies stored before this migration have no key; the index is partial so they never collide.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('replies').addColumn('idempotency_key', 'text').execute();
  await sql`create unique index replies_idempotency_key_idx on replies (idempotency_key) where idempotency_key is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('replies_idempotency_key_idx').ifExists().execute();
  await db.schema.alterTable('replies').dropColumn('idempotency_key').execute();
}
