import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.

/**
 * SLA reminder bookkeeping on the mention row. The sweep reads only the mentions whose next check
 * has come (`sla_next_check_at <= now`, served by a partial index that holds just the mentions
 * with something still scheduled), decides what is due, queues it with a unique dedupe key and
 * moves `sla_next_check_at` to the next reminder, in one transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('mentions')
    // Last SLA stage reminded: 0 none, 1 warning, 2 overdue, 2 + k the k-th repeat after the deadline.
    .addColumn('sla_stage', 'smallint', (c) => c.notNull().defaultTo(0))
    // When the sweep must look at this mention again; null: nothing is scheduled.
    .addColumn('sla_next_check_at', 'timestamptz')
    // Follow-ups sent (escalated, or answered but unresolved) and when the last one was queued.
    .addColumn('sla_follow_ups', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sla_follow_up_at', 'timestamptz')
    .execute();

  // Mentions stored before this migration: the first sweep decides what fits their state.
  await sql`update mentions set sla_next_check_at = sla_warn_at
            where status in ('new', 'claimed', 'escalated', 'replied')`.execute(db);

  await sql`create index mentions_sla_next_check_idx on mentions (sla_next_check_at, id)
            where sla_next_check_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mentions_sla_next_check_idx').ifExists().execute();
  await db.schema
    .alterTable('mentions')
    .dropColumn('sla_stage')
    .dropColumn('sla_next_check_at')
    .dropColumn('sla_follow_ups')
    .dropColumn('sla_follow_up_at')
    .execute();
}
