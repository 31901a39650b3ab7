import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mentions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author_external_id', 'text')
    .addColumn('author_handle', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text')
    .addColumn('author_followers', 'integer')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('lang', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('sentiment_score', 'real')
    .addColumn('sentiment_label', 'text')
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
    .addColumn('priority_reasons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('first_contact', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('owner_id', 'text')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('escalated_at', 'timestamptz')
    .addColumn('escalated_by', 'text')
    .addColumn('escalation_severity', 'text')
    .addColumn('escalation_category', 'text')
    .addColumn('escalation_reason', 'text')
    .addColumn('first_response_at', 'timestamptz')
    .addColumn('first_response_by', 'text')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('closed_by', 'text')
    .addColumn('close_kind', 'text')
    .addColumn('close_reason', 'text')
    .addColumn('sla_warn_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sla_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('card_channel', 'text')
    .addColumn('card_ts', 'text')
    .addColumn('raw', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('mentions_source_external_id_key', ['source', 'external_id'])
    .addCheckConstraint(
      'mentions_status_check',
      sql`status in ('new', 'claimed', 'escalated', 'replied', 'resolved', 'closed_no_reply')`,
    )
    .addCheckConstraint('mentions_priority_check', sql`priority in ('high', 'normal', 'low')`)
    .execute();

  await db.schema.createIndex('mentions_posted_at_idx').on('mentions').column('posted_at').execute();
  await db.schema.createIndex('mentions_author_idx').on('mentions').columns(['source', 'author_handle']).execute();
  await db.schema.createIndex('mentions_owner_idx').on('mentions').columns(['owner_id', 'status']).execute();
  // Open, unanswered mentions in deadline order: what the SLA sweep and the queue views read.
  await sql`create index mentions_open_due_idx on mentions (sla_due_at)
            where first_response_at is null and status in ('new', 'claimed', 'escalated')`.execute(db);

  await db.schema
    .createTable('mention_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('mention_id', 'integer', (c) => c.notNull().references('mentions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('mention_events_mention_idx').on('mention_events').columns(['mention_id', 'at']).execute();

  await db.schema
    .createTable('replies')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('mention_id', 'integer', (c) => c.notNull().references('mentions.id'))
    .addColumn('slack_user_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('external_url', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addCheckConstraint('replies_mode_check', sql`mode in ('public', 'dm')`)
    .addCheckConstraint('replies_status_check', sql`status in ('sending', 'sent', 'failed')`)
    .execute();
  await db.schema.createIndex('replies_mention_idx').on('replies').column('mention_id').execute();

  await db.schema
    .createTable('saved_replies')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('archived_at', 'timestamptz')
    .execute();
  await db
    .insertInto('saved_replies')
    .values([
      {
        title: 'Sorry, we’re on it',
        body: 'Hi {name}, we’re sorry about this. We’re looking into it now and will get back to you here shortly.',
      },
      {
        title: 'Take it to DM',
        body: 'Hi {name}, we’d like to help. Could you send us a direct message with your order number so we can look into it?',
      },
      { title: 'Thanks!', body: 'Thank you so much, {name}! We’re glad to hear it and we’ll pass this on to the team.' },
      {
        title: 'Known issue, update soon',
        body: 'Hi {name}, thanks for flagging this. We know about the problem and are working on a fix; we’ll post an update as soon as it’s resolved.',
      },
    ])
    .execute();

  // The card queue (outbox): every Slack write that must happen once, in order, and survive
  // a restart or a 429. Leased, not held in a transaction, so the single-connection embedded
  // database is never blocked by a slow Slack call.
  await db.schema
    .createTable('slack_jobs')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mention_id', 'integer', (c) => c.references('mentions.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('priority', 'smallint', (c) => c.notNull().defaultTo(5))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('rerun', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('locked_by', 'text')
    .addColumn('first_attempt_at', 'timestamptz')
    .addColumn('done_at', 'timestamptz')
    .addColumn('result', 'jsonb')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('slack_jobs_status_check', sql`status in ('pending', 'done', 'failed')`)
    .execute();
  await sql`create index slack_jobs_pending_idx on slack_jobs (priority, run_after, id) where status = 'pending'`.execute(db);
  // At most one pending card refresh per mention: later changes set `rerun` on it instead.
  await sql`create unique index slack_jobs_one_pending_update_idx on slack_jobs (mention_id)
            where kind = 'update_card' and status = 'pending'`.execute(db);
  await db.schema.createIndex('slack_jobs_mention_idx').on('slack_jobs').column('mention_id').execute();

  await db.schema
    .createTable('app_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['app_state', 'slack_jobs', 'saved_replies', 'replies', 'mention_events', 'mentions']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
