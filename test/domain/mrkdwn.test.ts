import { describe, expect, it } from 'vitest';
import { ago, displayHandle, displayName, escapeAndTruncate, escapeMrkdwn, formatCount, safeLink } from '../../src/domain/mrkdwn.js';
import { authorLine } from '../../src/slack/blocks/mention-card.js';

describe('mrkdwn escaping', () => {
  it('makes mentions, broadcasts and disguised links inert', () => {
    expect(escapeMrkdwn('<!channel> <@U1> <!subteam^S1> <https://evil|x> a & b')).toBe(
      '&lt;!channel&gt; &lt;@U1&gt; &lt;!subteam^S1&gt; &lt;https://evil|x&gt; a &amp; b',
    );
  });

  it('escapes & first so entities are not double-decoded', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });

  it('truncates without cutting an entity in half', () => {
    const out = escapeAndTruncate('aaaa<b', 6);
    expect(out).toBe('aaaa…');
    expect(escapeAndTruncate('short', 100)).toBe('short');
  });

  it('only links http(s) and cannot be broken out of', () => {
    expect(safeLink('javascript:alert(1)', 'open')).toBe('open');
    expect(safeLink('https://x.com/a|b>c', 'open')).toBe('<https://x.com/a%7Cb%3Ec|open>');
    expect(safeLink(null, '<label>')).toBe('&lt;label&gt;');
  });

  it('formats counts and ages for people', () => {
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.2k');
    expect(formatCount(12_400)).toBe('12k');
    expect(formatCount(2_500_000)).toBe('2.5M');
    const now = new Date('2026-11-24T12:00:00Z');
    expect(ago(new Date('2026-11-24T11:58:00Z'), now)).toBe('2 min ago');
    expect(ago(new Date('2026-11-24T11:59:40Z'), now)).toBe('just now');
  });
});

describe('names and handles shown in Slack', () => {
  it('strips control, bidi-override and zero-width characters from names', () => {
    expect(displayName('Dana\u202e kcuf\u202c')).toBe('Dana kcuf');
    expect(displayName('Jo\u200bhn\u0007 \ufeffSmith\u2066')).toBe('John Smith');
    expect(displayName('José 李')).toBe('José 李');
  });

  it('limits handles to visible characters without spaces, marks or emphasis, so "acme" cannot be faked', () => {
    expect(displayHandle('acme\u202egnp.exe')).toBe('acmegnp.exe');
    expect(displayHandle('ac\u200bme')).toBe('acme');
    expect(displayHandle('dana <@U1> *bold*')).toBe('dana<@U1>bold');
    expect(displayHandle('acme replied')).toBe('acmereplied');
    expect(displayHandle('a\u0301cme')).toBe('acme');
    expect(displayHandle('jo.bsky.social')).toBe('jo.bsky.social');
    expect(displayHandle('user@mastodon.social')).toBe('user@mastodon.social');
    expect(displayHandle('\u202e\u200b')).toBe('unknown');
  });

  it('a card and a reminder line show the cleaned handle', () => {
    const m = { author_name: 'Evil\u202eName', author_handle: 'ac\u200bme\u202e', author_followers: null };
    expect(authorLine(m)).toBe('*EvilName* (@acme)');
  });
});
