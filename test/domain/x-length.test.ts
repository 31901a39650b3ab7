import { describe, expect, it } from 'vitest';
import { xLength } from '../../src/domain/x-length.js';

describe('reply length as X counts it', () => {
  it('a link counts 23 however long it is', () => {
    const text = `${'a'.repeat(250)} https://example.com/${'p'.repeat(80)}`;
    expect(text.length).toBeGreaterThan(280);
    expect(xLength(text)).toEqual({ weighted: 274, over: 0, hasLink: true });
  });

  it('CJK characters count 2, so 150 of them are 20 over', () => {
    expect(xLength('日'.repeat(150))).toEqual({ weighted: 300, over: 20, hasLink: false });
  });

  it('plain text counts its characters', () => {
    expect(xLength('Sorry Dana!')).toEqual({ weighted: 11, over: 0, hasLink: false });
  });
});
