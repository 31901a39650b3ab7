import { describe, expect, it } from 'vitest';
import { countIngest, createMetrics } from '../src/metrics.js';

describe('ingest counters', () => {
  it('counts posts joined to a case, cases reopened and brand replies seen outside earshot, per source', async () => {
    const m = createMetrics();
    countIngest(m, {
      x: { accepted: 3, duplicates: 1, joined: 2, reopened: 1, outsideReplies: 4, outboundUnmatched: 1 },
      webhook: { accepted: 1, duplicates: 0 },
    });
    countIngest(m, { x: { accepted: 0, duplicates: 0, joined: 1 } });
    const text = await m.registry.metrics();
    expect(text).toContain('earshot_posts_joined_total{source="x"} 3');
    expect(text).toContain('earshot_cases_reopened_total{source="x"} 1');
    expect(text).toContain('earshot_brand_replies_outside_total{source="x"} 4');
    expect(text).toContain('earshot_brand_posts_unmatched_total{source="x"} 1');
    expect(text).toContain('earshot_mentions_ingested_total{source="webhook"} 1');
    expect(text).not.toContain('earshot_posts_joined_total{source="webhook"}');
  });
});
