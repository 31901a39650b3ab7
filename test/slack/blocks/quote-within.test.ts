import { describe, expect, it } from 'vitest';
import { quoteWithin } from '../../../src/slack/blocks/mention-card.js';

describe('quoteWithin: customer text, escaped and quoted, cut to fit after quoting', () => {
  it('leaves a short text as a plain block quote', () => {
    expect(quoteWithin('a & b\nc', 2800, 2990)).toBe('>a &amp; b\n>c');
  });

  it('2,000 short lines grow past 3,000 characters when quoted: cut after quoting', () => {
    const out = quoteWithin(Array.from({ length: 2000 }, (_, i) => String(i)).join('\n'), 2800, 2990);
    expect(out.length).toBeLessThanOrEqual(2990);
    expect(out.endsWith('…')).toBe(true);
    expect(out.split('\n').every((l) => l.startsWith('>'))).toBe(true);
  });

  it('never cuts an entity or a surrogate pair in half', () => {
    for (let pad = 0; pad < 6; pad++) {
      const amp = quoteWithin('x'.repeat(pad) + '&'.repeat(3000), 2800, 2990);
      expect(amp.length).toBeLessThanOrEqual(2990);
      expect(amp.slice(0, -1)).toMatch(/^>x*(&amp;)+$/);
      const emoji = quoteWithin('x'.repeat(pad) + '😡'.repeat(3000), 2800, 2990);
      expect(emoji.length).toBeLessThanOrEqual(2990);
      expect(emoji.slice(0, -1)).toMatch(/^>x*(😡)+$/u);
    }
  });
});
