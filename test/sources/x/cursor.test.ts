import { describe, expect, it } from 'vitest';
import { advanceCursor, freshCursor, nextQuery, raiseCursor, type XCursor } from '../../../src/sources/x/cursor.js';

describe('the X cursor', () => {
  const start = freshCursor(new Date('2026-11-24T10:00:00.500Z'), 24);

  it('starts X_BACKFILL_HOURS back, then follows since_id', () => {
    expect(start).toEqual({ sinceId: null, startTime: '2026-11-23T10:00:00Z', paging: null });
    expect(nextQuery(start, 'pagination_token')).toEqual({ start_time: '2026-11-23T10:00:00Z' });
    const one = advanceCursor(start, { newest_id: '50', oldest_id: '40', result_count: 3 });
    expect(one).toEqual({ ...start, sinceId: '50' });
    expect(nextQuery(one, 'pagination_token')).toEqual({ since_id: '50' });
    expect(advanceCursor(one, { result_count: 0 })).toBe(one);
  });

  it('a page that holds no posts but has a next one (all left out by exclude) keeps paging', () => {
    let c: XCursor = { sinceId: '100', startTime: null, paging: null };
    c = advanceCursor(c, { result_count: 0, next_token: 't1' });
    expect(c.sinceId).toBe('100');
    expect(c.paging).toEqual({ sinceId: '100', startTime: null, token: 't1', untilId: null, targetNewestId: null });
    expect(nextQuery(c, 'pagination_token')).toEqual({ since_id: '100', pagination_token: 't1' });
    c = advanceCursor(c, { newest_id: '300', oldest_id: '201', next_token: 't2', result_count: 90 });
    expect(c.paging).toMatchObject({ token: 't2', untilId: '201', targetNewestId: '300' });
    c = advanceCursor(c, { newest_id: '200', oldest_id: '101', result_count: 50 });
    expect(c).toEqual({ sinceId: '300', startTime: null, paging: null });
    // Nothing at all in the whole catch-up: since_id stays.
    const empty = advanceCursor(advanceCursor({ sinceId: '100', startTime: null, paging: null }, { result_count: 0, next_token: 't' }), { result_count: 0 });
    expect(empty).toEqual({ sinceId: '100', startTime: null, paging: null });
  });

  it('holds since_id still while paging newest → oldest, then jumps to the first page’s newest id', () => {
    let c: XCursor = { sinceId: '100', startTime: null, paging: null };
    c = advanceCursor(c, { newest_id: '400', oldest_id: '301', next_token: 't1', result_count: 100 });
    expect(c.sinceId).toBe('100');
    expect(c.paging).toEqual({ sinceId: '100', startTime: null, token: 't1', untilId: '301', targetNewestId: '400' });
    expect(nextQuery(c, 'pagination_token')).toEqual({ since_id: '100', pagination_token: 't1' });
    expect(nextQuery(c, 'next_token')).toEqual({ since_id: '100', next_token: 't1' });
    // A refused token: page by until_id instead.
    expect(nextQuery(c, 'pagination_token', true)).toEqual({ since_id: '100', until_id: '301' });
    c = advanceCursor(c, { newest_id: '300', oldest_id: '201', next_token: 't2', result_count: 100 });
    expect(c.paging).toMatchObject({ token: 't2', untilId: '201', targetNewestId: '400' });
    // Stream raises wait while a catch-up is in progress.
    expect(raiseCursor(c, '999')).toBe(c);
    c = advanceCursor(c, { newest_id: '200', oldest_id: '101', result_count: 50 });
    expect(c).toEqual({ sinceId: '400', startTime: null, paging: null });
  });

  it('pages from the start time when there was no since_id yet', () => {
    const c = advanceCursor(start, { newest_id: '9', oldest_id: '5', next_token: 'x' });
    expect(nextQuery(c, 'pagination_token')).toEqual({ start_time: '2026-11-23T10:00:00Z', pagination_token: 'x' });
  });

  it('compares ids as numbers, not strings', () => {
    const c: XCursor = { sinceId: '99', startTime: null, paging: null };
    expect(raiseCursor(c, '100').sinceId).toBe('100');
    expect(raiseCursor({ ...c, sinceId: '1866000000000000001' }, '1866000000000000000').sinceId).toBe('1866000000000000001');
  });
});
