import { describe, expect, it } from 'vitest';
import type { ThreadLine } from '../../../src/domain/thread-lines.js';
import { threadLineText } from '../../../src/slack/blocks/thread-lines.js';

const at = '2026-11-24T10:00:00.000Z';
const stamp = '<!date^1795514400^{time}|10:00 UTC>';

describe('thread lines rendered from what was queued', () => {
  it('says who did what, when', () => {
    const lines: Array<[ThreadLine, string]> = [
      [{ kind: 'claimed', actor: 'U1', at }, `:raising_hand: <@U1> claimed this · ${stamp}`],
      [{ kind: 'released', actor: 'U1', at, backInPool: true }, `:leftwards_arrow_with_hook: <@U1> released this; it is back in the pool · ${stamp}`],
      [{ kind: 'released', actor: 'U1', at, backInPool: false }, `:leftwards_arrow_with_hook: <@U1> released this · ${stamp}`],
      [{ kind: 'reassigned', actor: 'U1', to: 'U2', at }, `:busts_in_silhouette: <@U1> handed this to <@U2> · ${stamp}`],
      [{ kind: 'escalated', actor: 'U1', at, severity: 'high', category: 'policy', reason: 'legal <threat>' }, `:arrow_double_up: <@U1> escalated this (high severity, policy problem): legal &lt;threat&gt; · ${stamp}`],
      [{ kind: 'resolved', actor: 'U1', at }, `:white_check_mark: <@U1> resolved this · ${stamp}`],
      [{ kind: 'closed_no_reply', actor: 'U1', at, closeKind: 'spam', reason: '' }, `:no_entry_sign: <@U1> closed this as spam · ${stamp}`],
      [{ kind: 'closed_no_reply', actor: 'U1', at, closeKind: 'no_reply_needed', reason: 'a bot & co' }, `:no_entry_sign: <@U1> closed this as no reply needed: a bot &amp; co · ${stamp}`],
      [
        { kind: 'replied', actor: 'U1', at, mode: 'public', destination: 'bluesky', url: 'https://bsky.app/p/1', text: 'Hi <!channel>\nthere' },
        `:speech_balloon: <@U1> replied publicly on Bluesky (<https://bsky.app/p/1|view>):\n>Hi &lt;!channel&gt;\n>there · ${stamp}`,
      ],
      [{ kind: 'replied', actor: 'U1', at, mode: 'dm', destination: 'elsewhere', url: null, text: 'ok' }, `:speech_balloon: <@U1> replied privately, sent outside earshot:\n>ok · ${stamp}`],
      [{ kind: 'replied', actor: 'U1', at, mode: 'dm', destination: 'x', url: null, text: 'ok' }, `:speech_balloon: <@U1> replied by direct message on X:\n>ok · ${stamp}`],
      [
        { kind: 'replied_after_close', actor: 'U1', at, url: 'https://x.com/a/status/1', text: 'late' },
        `:speech_balloon: <@U1> replied after it was closed (<https://x.com/a/status/1|view>); it stays closed:\n>late · ${stamp}`,
      ],
      [
        { kind: 'customer_post', at, author: { handle: 'jane', name: 'Jane <b>' }, url: 'https://x.com/jane/status/2', text: 'still broken' },
        `:speech_balloon: *Jane &lt;b&gt;* (@jane) wrote again (<https://x.com/jane/status/2|open post>):\n>still broken · ${stamp}`,
      ],
      [{ kind: 'customer_post', at, author: { handle: 'jane', name: null }, url: null, text: '' }, `:speech_balloon: (@jane) wrote again (open post):\n>  · ${stamp}`],
      [{ kind: 'brand_reply', at, source: 'x', url: 'https://x.com/acme/status/3', text: 'Sorry!' }, `:outbox_tray: The brand replied on X, outside earshot (<https://x.com/acme/status/3|view>):\n>Sorry! · ${stamp}`],
      [{ kind: 'brand_reply', at, source: 'forum<x>', url: null, text: 'Sorry!' }, `:outbox_tray: The brand replied on forum&lt;x&gt;, outside earshot (view):\n>Sorry! · ${stamp}`],
    ];
    for (const [line, text] of lines) expect(threadLineText(line)).toBe(text);
  });

  it('cuts long outside text after escaping it once', () => {
    const text = threadLineText({ kind: 'customer_post', at, author: { handle: 'jane', name: null }, url: null, text: '&'.repeat(3000) });
    expect(text).toContain('&amp;'.repeat(499));
    expect(text).not.toContain('&amp;amp;');
    expect(text.length).toBeLessThan(2700);
  });
});
