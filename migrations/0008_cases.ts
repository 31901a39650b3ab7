import { sql, type Kysely } from 'kysely';

// Frozen in time: uses Kysely<any> and imports nothing from the application.
//
// Conversations. A row of `mentions` is a case: one customer's conversation with the brand on
// one network, holding its first post's fields and the triage state (owner, status, SLA, card).
// Every post of the conversation, the customer's and the brand's, is a row of `posts`. Each
// mention stored before this migration becomes a one-post case; each reply earshot posted to a
// network (it has the network's id) becomes the brand's post in that case, so a customer who
// answers it joins the case.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('posts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('mentions.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    // inbound: the customer's; outbound: the brand's.
    .addColumn('direction', 'text', (c) => c.notNull().defaultTo('inbound'))
    // For the brand's posts: sent from Slack through earshot, or made on the network directly.
    .addColumn('via', 'text')
    .addColumn('reply_id', 'integer', (c) => c.references('replies.id'))
    // The network's id of the post this one answers (same source).
    .addColumn('in_reply_to', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('url', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('author_external_id', 'text')
    .addColumn('author_handle', 'text')
    .addColumn('author_name', 'text')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('raw', 'jsonb')
    .addUniqueConstraint('posts_source_external_id_key', ['source', 'external_id'])
    .addCheckConstraint('posts_direction_check', sql`direction in ('inbound', 'outbound')`)
    .addCheckConstraint('posts_via_check', sql`(direction = 'inbound' and via is null) or (direction = 'outbound' and via in ('earshot', 'outside'))`)
    .addCheckConstraint('posts_inbound_author_check', sql`direction = 'outbound' or author_handle is not null`)
    .execute();
  await db.schema.createIndex('posts_case_idx').on('posts').columns(['case_id', 'posted_at']).execute();

  await db.schema
    .alterTable('mentions')
    // Posts the customer has written in this case (the first included), and when the latest came.
    .addColumn('customer_posts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_customer_post_at', 'timestamptz')
    // The brand's latest reply, wherever it was sent.
    .addColumn('last_brand_reply_at', 'timestamptz')
    // Since when the customer has been waiting for the brand's (next) answer; null: not waiting.
    // The deadlines of that wait are sla_warn_at / sla_due_at.
    .addColumn('waiting_since', 'timestamptz')
    // A case started by a customer whose earlier case closed longer ago than CASE_REOPEN_DAYS.
    .addColumn('previous_case_id', 'integer', (c) => c.references('mentions.id'))
    .addColumn('reopened_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await sql`update mentions set
              last_customer_post_at = posted_at,
              last_brand_reply_at = first_response_at,
              waiting_since = case when first_response_at is null and status in ('new', 'claimed', 'escalated') then posted_at end`.execute(db);

  await sql`insert into posts (case_id, source, external_id, direction, url, text, author_external_id, author_handle,
                               author_name, posted_at, received_at, conversation_id, raw)
            select id, source, external_id, 'inbound', url, text, author_external_id, author_handle,
                   author_name, posted_at, received_at, conversation_id, raw
            from mentions`.execute(db);
  await sql`insert into posts (case_id, source, external_id, direction, via, reply_id, in_reply_to, url, text, posted_at, received_at)
            select r.mention_id, m.source, r.external_id, 'outbound', 'earshot', r.id, m.external_id, r.external_url, r.text,
                   coalesce(r.sent_at, r.created_at), coalesce(r.sent_at, r.created_at)
            from replies r join mentions m on m.id = r.mention_id
            where r.status = 'sent' and r.external_id is not null
            on conflict (source, external_id) do nothing`.execute(db);

  // Every wait for the brand and how it ended: the first response of each case and each next
  // response after the customer wrote again. due_at is the deadline that applied to that wait.
  await db.schema
    .createTable('case_responses')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('mentions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('waiting_since', 'timestamptz', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('responded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('responder_id', 'text')
    .addColumn('post_id', 'bigint', (c) => c.references('posts.id'))
    .addCheckConstraint('case_responses_kind_check', sql`kind in ('first', 'next')`)
    .addCheckConstraint('case_responses_via_check', sql`via in ('earshot', 'outside')`)
    .execute();
  await sql`create unique index case_responses_one_first_idx on case_responses (case_id) where kind = 'first'`.execute(db);
  await sql`create index case_responses_responded_idx on case_responses (responded_at) include (kind, waiting_since, due_at, responder_id)`.execute(db);
  await sql`insert into case_responses (case_id, kind, waiting_since, due_at, responded_at, via, responder_id)
            select id, 'first', posted_at, sla_due_at, first_response_at, 'earshot', first_response_by
            from mentions where first_response_at is not null`.execute(db);

  // "Has this author an open case on this source?": rule 2 of joining a case, on every ingest.
  await sql`create index mentions_open_author_idx on mentions (source, lower(author_handle))
            where status in ('new', 'claimed', 'escalated', 'replied')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists mentions_open_author_idx`.execute(db);
  await db.schema.dropTable('case_responses').ifExists().execute();
  await db.schema.dropTable('posts').ifExists().execute();
  await db.schema
    .alterTable('mentions')
    .dropColumn('customer_posts')
    .dropColumn('last_customer_post_at')
    .dropColumn('last_brand_reply_at')
    .dropColumn('waiting_since')
    .dropColumn('previous_case_id')
    .dropColumn('reopened_count')
    .execute();
}
