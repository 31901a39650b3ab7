import { describe, expect, it } from 'vitest';
import { claimExport } from '../../src/slack/export.js';

describe('one export per person at a time', () => {
  it('a second request while one runs is refused; after it ends the person may ask again; others are not held', () => {
    const release = claimExport('UCLAIM1');
    expect(release).toBeTypeOf('function');
    expect(claimExport('UCLAIM1')).toBeUndefined();
    const other = claimExport('UCLAIM2');
    expect(other).toBeTypeOf('function');
    release!();
    other!();
    const again = claimExport('UCLAIM1');
    expect(again).toBeTypeOf('function');
    again!();
  });
});
