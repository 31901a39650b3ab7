import { sql, type Kysely } from 'kysely';

// First contact is decided with lower(author_handle); the plain (source, author_handle) index
// could not serve it, so every ingest batch scanned all of its source's mentions.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index mentions_source_author_lower_idx on mentions (source, lower(author_handle))`.execute(db);
  await db.schema.dropIndex('mentions_author_idx').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('mentions_author_idx').ifNotExists().on('mentions').columns(['source', 'author_handle']).execute();
  await db.schema.dropIndex('mentions_source_author_lower_idx').ifExists().execute();
}
