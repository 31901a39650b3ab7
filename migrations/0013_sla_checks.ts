import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// The SLA sweep's bookkeeping moves off the mention row into a narrow table of its own. On the
// mention row every sweep write was a new row version with an entry in each of its indexes (the
// next check is indexed, so the update was never HOT) and fired the statistics triggers of
// `mentions`, though none of these columns counts in a statistic. A row here has two indexes.
// A mention without a row has nothing scheduled and no reminder sent yet (stage 0).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sla_checks')
    .addColumn('mention_id', 'integer', (c) => c.primaryKey().references('mentions.id').onDelete('cascade'))
    // When the sweep must look at this case again; null: nothing is scheduled.
    .addColumn('next_check_at', 'timestamptz')
    // Last SLA stage reminded: 0 none, 1 warning, 2 overdue, 2 + k the k-th repeat after the deadline.
    .addColumn('stage', 'smallint', (c) => c.notNull().defaultTo(0))
    // Follow-ups sent (escalated, or answered but unresolved) and when the last one was queued.
    .addColumn('follow_ups', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('follow_up_at', 'timestamptz')
    .execute();
  await sql`insert into sla_checks (mention_id, next_check_at, stage, follow_ups, follow_up_at)
            select id, sla_next_check_at, sla_stage, sla_follow_ups, sla_follow_up_at from mentions
            where sla_next_check_at is not null or sla_stage <> 0 or sla_follow_ups <> 0 or sla_follow_up_at is not null
            order by id`.execute(db);
  await sql`create index sla_checks_due_idx on sla_checks (next_check_at, mention_id) where next_check_at is not null`.execute(db);
  await sql`analyze sla_checks`.execute(db);

  await db.schema.dropIndex('mentions_sla_next_check_idx').ifExists().execute();
  await db.schema
    .alterTable('mentions')
    .dropColumn('sla_stage')
    .dropColumn('sla_next_check_at')
    .dropColumn('sla_follow_ups')
    .dropColumn('sla_follow_up_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('mentions')
    .addColumn('sla_stage', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('sla_next_check_at', 'timestamptz')
    .addColumn('sla_follow_ups', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sla_follow_up_at', 'timestamptz')
    .execute();
  await sql`update mentions m set sla_stage = c.stage, sla_next_check_at = c.next_check_at,
              sla_follow_ups = c.follow_ups, sla_follow_up_at = c.follow_up_at
            from sla_checks c where c.mention_id = m.id`.execute(db);
  await sql`create index mentions_sla_next_check_idx on mentions (sla_next_check_at, id)
            where sla_next_check_at is not null`.execute(db);
  await db.schema.dropTable('sla_checks').execute();
}
