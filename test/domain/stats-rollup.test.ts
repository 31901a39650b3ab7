import { describe, expect, it } from 'vitest';
import { bucketBounds, histogramPercentile, LAST_BUCKET, quarterSpans, responseBucket, rollupSpans, signedRollupSpans, type RollupSpans, type Span } from '../../src/domain/stats-rollup.js';

const t = (iso: string) => new Date(iso);
const iso = (spans: Span[]) => spans.map((s) => [s.from.toISOString(), s.to.toISOString()]);
const length = (spans: Span[]) => spans.reduce((n, s) => n + (s.to.getTime() - s.from.getTime()), 0);

describe('rollupSpans', () => {
  it('splits a rolling period into whole weeks, the days of the partial weeks, the hours of the partial days and the rows of the partial hours', () => {
    const s = rollupSpans(t('2026-04-01T10:20:30Z'), t('2026-05-01T10:20:30Z'));
    // Weeks run Saturday to Saturday (from 2000-01-01, a Saturday).
    expect(iso(s.weeks)).toEqual([['2026-04-04T00:00:00.000Z', '2026-04-25T00:00:00.000Z']]);
    expect(iso(s.days)).toEqual([
      ['2026-04-02T00:00:00.000Z', '2026-04-04T00:00:00.000Z'],
      ['2026-04-25T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
    ]);
    expect(iso(s.hours)).toEqual([
      ['2026-04-01T11:00:00.000Z', '2026-04-02T00:00:00.000Z'],
      ['2026-05-01T00:00:00.000Z', '2026-05-01T10:00:00.000Z'],
    ]);
    expect(iso(s.rows)).toEqual([
      ['2026-04-01T10:20:30.000Z', '2026-04-01T11:00:00.000Z'],
      ['2026-05-01T10:00:00.000Z', '2026-05-01T10:20:30.000Z'],
    ]);
  });

  it('tiles the period exactly, whatever its ends (a :45 offset midnight, aligned ends, under an hour)', () => {
    const cases: Array<[string, string]> = [
      ['2026-04-30T18:15:00Z', '2026-05-01T10:20:30Z'], // Kathmandu midnight (+05:45)
      ['2026-04-01T00:00:00Z', '2026-04-03T00:00:00Z'],
      ['2026-04-01T10:05:00Z', '2026-04-01T10:55:00Z'],
      ['2026-04-01T10:05:00Z', '2026-04-01T11:55:00Z'],
      ['2026-04-01T23:30:00Z', '2026-04-02T00:30:00Z'],
      ['2026-02-01T07:00:00Z', '2026-05-02T07:00:00Z'], // 90 days
    ];
    for (const [a, b] of cases) {
      const s = rollupSpans(t(a), t(b));
      expect(length([...s.weeks, ...s.days, ...s.hours, ...s.rows])).toBe(t(b).getTime() - t(a).getTime());
      for (const w of s.weeks) expect((w.from.getTime() - Date.UTC(2000, 0, 1)) % (7 * 86_400_000)).toBe(0);
      expect(length(s.rows)).toBeLessThan(2 * 3_600_000);
      for (const d of s.days) expect(d.from.getTime() % 86_400_000).toBe(0);
      for (const h of s.hours) expect(h.from.getTime() % 3_600_000).toBe(0);
    }
    expect(rollupSpans(t('2026-04-01T10:05:00Z'), t('2026-04-01T10:55:00Z'))).toMatchObject({ weeks: [], days: [], hours: [] });
    expect(rollupSpans(t('2026-04-01T10:05:00Z'), t('2026-04-01T10:05:00Z'))).toEqual({ weeks: [], days: [], hours: [], rows: [] });
  });

  it('a signed cover counts every instant of the period once and none outside it, in whole bins', () => {
    const all = (s: RollupSpans & { months: Span[] }) => [
      ...s.months.map((x) => ({ ...x, unit: 28 * 86_400_000 })),
      ...s.weeks.map((x) => ({ ...x, unit: 7 * 86_400_000 })),
      ...s.days.map((x) => ({ ...x, unit: 86_400_000 })),
      ...s.hours.map((x) => ({ ...x, unit: 3_600_000 })),
      ...s.rows.map((x) => ({ ...x, unit: 1 })),
    ];
    const cases: Array<[string, string, string?]> = [
      ['2026-11-02T02:40:00Z', '2026-12-02T02:40:00Z'], // a rolling 30 days ending now
      ['2026-10-03T02:40:00Z', '2026-11-02T02:40:00Z', '2026-12-02T02:40:00Z'], // the 30 days before
      ['2026-04-01T10:20:30Z', '2026-05-01T10:20:30Z'],
      ['2026-04-30T18:15:00Z', '2026-05-01T10:20:30Z'],
      ['2026-04-01T00:00:00Z', '2026-04-29T00:00:00Z'],
      ['2026-04-01T10:05:00Z', '2026-04-01T10:55:00Z'],
      ['2026-02-01T07:00:00Z', '2026-05-02T23:59:00Z'],
    ];
    for (const [a, b, now] of cases) {
      const s = signedRollupSpans(t(a), t(b), now ? t(now) : undefined);
      for (const x of [...all(s.plus), ...all(s.minus)]) {
        expect(x.from.getTime() < x.to.getTime()).toBe(true);
        if (x.unit > 1) expect([(x.from.getTime() - Date.UTC(2000, 0, 1)) % x.unit, (x.to.getTime() - Date.UTC(2000, 0, 1)) % x.unit]).toEqual([0, 0]);
      }
      const lo = t(a).getTime() - 8 * 86_400_000;
      const hi = t(b).getTime() + 8 * 86_400_000;
      const edges = [...new Set([...all(s.plus), ...all(s.minus), { from: t(a), to: t(b) }].flatMap((x) => [x.from.getTime(), x.to.getTime()]))];
      // Every instant between two consecutive edges is covered alike: test one point in each, and each edge.
      const points = [...edges, ...edges.map((e) => e - 1), lo, hi];
      for (const p of points) {
        const inside = (x: Span) => x.from.getTime() <= p && p < x.to.getTime();
        const n = all(s.plus).filter(inside).length - all(s.minus).filter(inside).length;
        expect(n, `${a} ${b} at ${new Date(p).toISOString()}`).toBe(p >= t(a).getTime() && p < t(b).getTime() ? 1 : 0);
      }
    }
  });

  it('reads the current 28 days as one bin less its (empty) future, the first partial bin as cheaply as it can', () => {
    // 28-day bins from 2000-01-01: 2026-10-31 to 2026-11-28 to 2026-12-26.
    const s = signedRollupSpans(t('2026-11-02T02:40:00Z'), t('2026-12-02T02:40:00Z'));
    expect(iso(s.plus.months)).toEqual([
      ['2026-10-31T00:00:00.000Z', '2026-11-28T00:00:00.000Z'],
      ['2026-11-28T00:00:00.000Z', '2026-12-26T00:00:00.000Z'],
    ]);
    expect(iso(s.minus.days)).toContainEqual(['2026-10-31T00:00:00.000Z', '2026-11-02T00:00:00.000Z']);
    const read = (x: Span[]) => x.filter((d) => d.from >= t('2026-11-28T00:00:00Z') && d.from < t('2026-12-02T02:40:00Z'));
    expect([...read(s.plus.weeks), ...read(s.plus.days), ...read(s.plus.hours), ...read(s.minus.weeks), ...read(s.minus.days), ...read(s.minus.hours)]).toEqual([]);
  });

  it('quarter hours for the busiest hours, rows for the partial quarters', () => {
    const s = quarterSpans(t('2026-04-30T18:20:00Z'), t('2026-05-01T10:20:30Z'));
    expect(iso(s.quarters)).toEqual([['2026-04-30T18:30:00.000Z', '2026-05-01T10:15:00.000Z']]);
    expect(length(s.rows)).toBe(10 * 60_000 + 5 * 60_000 + 30_000);
  });
});

describe('response-time buckets', () => {
  it('are 30 s wide up to 4 h, 5 min up to 24 h, 1 h up to 14 days, then open', () => {
    expect(responseBucket(-3)).toBe(0);
    expect(responseBucket(29.9)).toBe(0);
    expect(responseBucket(30)).toBe(1);
    expect(bucketBounds(responseBucket(14_399))).toEqual({ lo: 14_370, hi: 14_400 });
    expect(bucketBounds(responseBucket(14_400))).toEqual({ lo: 14_400, hi: 14_700 });
    expect(bucketBounds(responseBucket(86_400 + 10))).toEqual({ lo: 86_400, hi: 90_000 });
    expect(responseBucket(1_209_600)).toBe(LAST_BUCKET);
    expect(bucketBounds(LAST_BUCKET)).toEqual({ lo: 1_209_600, hi: Infinity });
    for (let s = 0; s < 1_300_000; s += 997) {
      const { lo, hi } = bucketBounds(responseBucket(s));
      expect(lo <= s && s < hi).toBe(true);
    }
  });
});

describe('histogramPercentile (percentile_cont over the bucketed values)', () => {
  const hist = (values: number[]) => {
    const h = new Map<number, number>();
    for (const v of values) h.set(responseBucket(v), (h.get(responseBucket(v)) ?? 0) + 1);
    return h;
  };
  const exact = (values: number[], p: number) => {
    const s = [...values].sort((a, b) => a - b);
    const r = p * (s.length - 1);
    const lo = Math.floor(r);
    return s[lo]! + (r - lo) * (s[Math.ceil(r)]! - s[lo]!);
  };

  it('is exact when each value sits at its bucket lower edge', () => {
    const v = [5, 10, 20, 30, 60, 90].map((m) => m * 60);
    expect(histogramPercentile(hist(v), 0.5)).toBe(25 * 60);
    expect(histogramPercentile(hist(v), 0.9)).toBe(75 * 60);
    expect(histogramPercentile(hist([600]), 0.5)).toBe(600);
  });

  it('is within one bucket of the exact figure', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rand() * 300);
      const v = Array.from({ length: n }, () => -Math.log(1 - rand()) * 1500);
      for (const p of [0.5, 0.9]) expect(Math.abs(histogramPercentile(hist(v), p)! - exact(v, p))).toBeLessThan(30);
    }
  });

  it('reads the open last bucket as its lower edge, and an empty histogram as null', () => {
    expect(histogramPercentile(hist([2_000_000]), 0.5)).toBe(1_209_600);
    expect(histogramPercentile(new Map(), 0.5)).toBeNull();
  });
});
