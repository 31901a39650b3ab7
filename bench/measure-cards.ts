import type { Database } from '../src/db/database.js';
import type { IncomingMention } from '../src/domain/mention.js';
import { startFakeSlack, type RecordedCall } from '../test/fakes/slack-server.js';
import { startTestApp, TRIAGE } from '../test/support/app.js';

/**
 * Card posting under Slack's per-channel limit: a burst of `mentions` is stored at once and the
 * card queue posts them to a fake Slack that enforces `perSecond` with bursts of `burst` per
 * channel and answers 429 + Retry-After beyond it. The real limit is about 1 a second; a scaled
 * limit keeps the run short and exercises the same pacing (the queue paces from
 * SLACK_POSTS_PER_SECOND, set to the same value).
 *
 * fraction = cards posted / posts the limit allowed in the same time (burst + perSecond × seconds
 * from the moment the burst was stored to the last card).
 *
 * With `replicas` > 1, that many apps drain the same outbox (each on its own connection pool when
 * `openReplica` is given, as separate processes would): the pace is shared through Postgres, so
 * together they must stay under the one channel's limit.
 */
export async function measureCardPosting(
  database: Database,
  o: { mentions: number; perSecond: number; burst: number; replicas?: number; openReplica?: () => Promise<Database> },
) {
  const slack = await startFakeSlack({ postMessage: { perSecond: o.perSecond, burst: o.burst } });
  const env = { SLACK_POSTS_PER_SECOND: String(o.perSecond) };
  const extraDbs: Database[] = [];
  for (let i = 1; i < (o.replicas ?? 1); i++) if (o.openReplica) extraDbs.push(await o.openReplica());
  const app = await startTestApp({ slack, database, env });
  const others = await Promise.all(Array.from({ length: (o.replicas ?? 1) - 1 }, (_, i) => startTestApp({ slack, database: extraDbs[i] ?? database, env })));
  const posted: RecordedCall[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  slack.on('call', (c) => {
    if (c.method !== 'chat.postMessage' || c.args.channel !== TRIAGE || !c.ok) return;
    posted.push(c);
    if (posted.length >= o.mentions) done();
  });
  try {
    const stamp = Date.now();
    const burst: IncomingMention[] = Array.from({ length: o.mentions }, (_, i) => ({
      source: 'facebook',
      externalId: `burst-${stamp}-${i}`,
      text: `Where is my parcel? Order ${i}`,
      author: { handle: `burst_${i}`, followers: 100 + i },
      postedAt: new Date(),
    }));
    const r = await app.ingest(burst);
    const t0 = Date.now();
    const timeoutMs = Math.max(60_000, (o.mentions / o.perSecond) * 3000);
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    // Give a straggling duplicate the chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const lastAt = posted.length > 0 ? Math.max(...posted.map((c) => c.at)) : Date.now();
    const seconds = Math.max(0.001, (lastAt - t0) / 1000);
    const ids = new Set(r.ids);
    const perMention = new Map<number, number>();
    for (const m of slack.topLevel(TRIAGE)) {
      const id = (m.metadata?.event_payload as { mention_id?: number } | undefined)?.mention_id;
      if (typeof id === 'number' && ids.has(id)) perMention.set(id, (perMention.get(id) ?? 0) + 1);
    }
    const rows = await database.db.selectFrom('mentions').select(['id', 'card_ts']).where('id', 'in', r.ids).execute();
    const lost = rows.filter((m) => !m.card_ts || !perMention.has(m.id)).length + (o.mentions - rows.length);
    const duplicates = [...perMention.values()].reduce((n, c) => n + (c - 1), 0);
    const rateLimited = slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length;
    const allowed = o.burst + o.perSecond * seconds;
    return {
      mentions: o.mentions,
      replicas: o.replicas ?? 1,
      limit: { per_second: o.perSecond, burst: o.burst, note: `Slack allows about 1 post a second per channel; scaled to ${o.perSecond}/s here, queue paced by SLACK_POSTS_PER_SECOND=${o.perSecond}` },
      posted: posted.length,
      seconds: Math.round(seconds * 100) / 100,
      achieved_per_second: Math.round((posted.length / seconds) * 10) / 10,
      fraction: Math.round((posted.length / allowed) * 1000) / 1000,
      lost,
      duplicates,
      rate_limited_429s: rateLimited,
    };
  } finally {
    await Promise.all(others.map((a) => a.stop()));
    await app.stop();
    await Promise.all(extraDbs.map((d) => d.close()));
    await slack.close();
  }
}
