/**
 * The arithmetic of the /social-stats rollups (migrations/0012_stats_rollups.ts), as pure functions:
 * how a period splits into bins (28-day, week, day, hour; added or subtracted) and the rows at its
 * edges, and the percentiles of a response-time histogram.
 */

/** [from, to) in milliseconds since the epoch; empty when from >= to. */
export interface Span {
  from: Date;
  to: Date;
}

/**
 * A period as the rollups read it: whole weeks (7-day bins from 2000-01-01, a Saturday, UTC) in
 * the interior, whole UTC days for the partial weeks, whole hours for the partial days at both
 * ends, and the rows themselves for the partial hours at both ends (less than two hours of rows,
 * whatever the period). Every part is a list of disjoint spans; together they tile [from, to)
 * exactly.
 */
export interface RollupSpans {
  weeks: Span[];
  days: Span[];
  hours: Span[];
  rows: Span[];
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const QUARTER_MS = 15 * 60_000;
export const WEEK_MS = 7 * DAY_MS;
/** The origin of every bin (date_bin's in SQL). */
const ORIGIN = Date.UTC(2000, 0, 1);

const floorTo = (t: number, unit: number) => ORIGIN + Math.floor((t - ORIGIN) / unit) * unit;
const ceilTo = (t: number, unit: number) => ORIGIN + Math.ceil((t - ORIGIN) / unit) * unit;
const span = (a: number, b: number): Span[] => (a < b ? [{ from: new Date(a), to: new Date(b) }] : []);

export function rollupSpans(from: Date, to: Date): RollupSpans {
  const a = from.getTime();
  const b = to.getTime();
  if (!(a < b)) return { weeks: [], days: [], hours: [], rows: [] };
  const ha = ceilTo(a, HOUR_MS);
  const hb = floorTo(b, HOUR_MS);
  if (ha >= hb) return { weeks: [], days: [], hours: [], rows: span(a, b) };
  const rows = [...span(a, ha), ...span(hb, b)];
  const da = ceilTo(ha, DAY_MS);
  const db = floorTo(hb, DAY_MS);
  if (da >= db) return { weeks: [], days: [], hours: span(ha, hb), rows };
  const hours = [...span(ha, da), ...span(db, hb)];
  const wa = ceilTo(da, WEEK_MS);
  const wb = floorTo(db, WEEK_MS);
  if (wa >= wb) return { weeks: [], days: span(da, db), hours, rows };
  return { weeks: span(wa, wb), days: [...span(da, wa), ...span(wb, db)], hours, rows };
}

/** A period in 15-minute bins (the busiest hours) and the rows of the partial quarters at both ends. */
export function quarterSpans(from: Date, to: Date): { quarters: Span[]; rows: Span[] } {
  const a = from.getTime();
  const b = to.getTime();
  if (!(a < b)) return { quarters: [], rows: [] };
  const qa = ceilTo(a, QUARTER_MS);
  const qb = floorTo(b, QUARTER_MS);
  if (qa >= qb) return { quarters: [], rows: span(a, b) };
  return { quarters: span(qa, qb), rows: [...span(a, qa), ...span(qb, b)] };
}

/**
 * Response-time buckets (the SQL function stats_bucket mirrors this): 30 s wide up to 4 hours,
 * 5 minutes up to 24 hours, 1 hour up to 14 days, then one open bucket.
 */
const BANDS = [
  { first: 0, from: 0, width: 30, until: 14_400 },
  { first: 480, from: 14_400, width: 300, until: 86_400 },
  { first: 720, from: 86_400, width: 3_600, until: 1_209_600 },
] as const;
export const LAST_BUCKET = 1032;

export function responseBucket(seconds: number): number {
  const s = Math.max(0, seconds);
  for (const b of BANDS) if (s < b.until) return b.first + Math.floor((s - b.from) / b.width);
  return LAST_BUCKET;
}

/** [lo, hi) in seconds; the last bucket is open (hi = Infinity). */
export function bucketBounds(bucket: number): { lo: number; hi: number } {
  if (bucket >= LAST_BUCKET) return { lo: BANDS[2].until, hi: Infinity };
  for (let i = BANDS.length - 1; i >= 0; i--) {
    const b = BANDS[i]!;
    if (bucket >= b.first) {
      const lo = b.from + (bucket - b.first) * b.width;
      return { lo, hi: lo + b.width };
    }
  }
  return { lo: 0, hi: BANDS[0].width };
}

/** Bucket → count. */
export type Histogram = Map<number, number>;

/**
 * A histogram as one count per bucket (index 0 … LAST_BUCKET): what a report adds the stored
 * histograms of a period into, one array per metric and person.
 */
export type DenseHistogram = Float64Array;

export const denseHistogram = (): DenseHistogram => new Float64Array(LAST_BUCKET + 1);

/** The 0-based ranks percentile_cont interpolates between for p over `total` values, and the fraction between them. */
export function percentileRanks(total: number, p: number): { lower: number; upper: number; frac: number } {
  const rank = p * (total - 1);
  const lower = Math.floor(rank);
  return { lower, upper: Math.ceil(rank), frac: rank - lower };
}

/**
 * Where the j-th (0-based) of the `count` values in a bucket is taken to be: at lo + j/count ×
 * (hi − lo), so a bucket holding one value reads as its lower edge. The open last bucket reads as
 * its lower edge.
 */
export function valueInBucket(bucket: number, count: number, j: number): number {
  const { lo, hi } = bucketBounds(bucket);
  return hi === Infinity ? lo : lo + (j / count) * (hi - lo);
}

/** A bucket of a histogram, with how many values lie in the buckets below it. */
export interface CumulativeBucket {
  bucket: number;
  n: number;
  before: number;
}

/**
 * percentile_cont (p in [0, 1]) from the buckets that hold its two ranks (the others may be left
 * out), `total` values in all; null when empty. Each estimate lies in the bucket of the exact value.
 */
export function percentileFromBuckets(buckets: CumulativeBucket[], total: number, p: number): number | null {
  if (total <= 0) return null;
  const { lower, upper, frac } = percentileRanks(total, p);
  const at = (k: number): number | null => {
    const b = buckets.find((x) => x.before <= k && k < x.before + x.n);
    return b ? valueInBucket(b.bucket, b.n, k - b.before) : null;
  };
  const v0 = at(lower);
  const v1 = at(upper);
  if (v0 === null || v1 === null) return null;
  return upper === lower ? v0 : v0 + frac * (v1 - v0);
}

/** The number of values a dense histogram counts. */
export function denseTotal(h: DenseHistogram): number {
  let n = 0;
  for (let i = 0; i < h.length; i++) n += h[i]!;
  return n;
}

/**
 * percentile_cont of the values a dense histogram counts (p in [0, 1]), as percentileFromBuckets:
 * off by less than one bucket width; null when empty. One pass up to the upper rank.
 */
export function densePercentile(h: DenseHistogram, p: number, total: number = denseTotal(h)): number | null {
  if (total <= 0) return null;
  const { upper } = percentileRanks(total, p);
  const held: CumulativeBucket[] = [];
  let before = 0;
  for (let bucket = 0; bucket < h.length && before <= upper; bucket++) {
    const n = h[bucket]!;
    if (n <= 0) continue;
    held.push({ bucket, n, before });
    before += n;
  }
  return percentileFromBuckets(held, total, p);
}

/**
 * percentile_cont of the values a histogram counts, p in [0, 1]: the values at ranks ⌊p(N−1)⌋
 * and ⌈p(N−1)⌉ (valueInBucket), interpolated; off by less than one bucket width. Null when empty.
 */
export function histogramPercentile(h: Histogram, p: number): number | null {
  const dense = denseHistogram();
  for (const [bucket, n] of h) if (n > 0) dense[Math.min(bucket, LAST_BUCKET)]! += n;
  return densePercentile(dense, p);
}

/** A period as signed parts: the bins and rows of `plus`, less those of `minus`. */
export interface SignedRollupSpans {
  plus: RollupSpans & { months: Span[] };
  minus: RollupSpans & { months: Span[] };
}

type Level = 'm' | 'w' | 'd' | 'h' | 'r';
export const MONTH_MS = 4 * WEEK_MS;
const UNIT: Record<Level, number> = { m: MONTH_MS, w: WEEK_MS, d: DAY_MS, h: HOUR_MS, r: HOUR_MS };
const FINER = { m: 'w', w: 'd', d: 'h', h: 'r' } as const;
/**
 * What reading one unit of each level costs, relative to an hour bin (measured on the bench's seed
 * at 1M cases: a day bin holds about 7 times an hour's keys, a week 16 times, 28 days 22 times; an
 * hour of rows, put through the key functions, about 8 hour bins).
 */
const COST: Record<Level, number> = { m: 22, w: 16, d: 7, h: 1, r: 8 };
/** Each range read, however empty. */
const PROBE = 0.2;

interface Term {
  level: Level;
  from: number;
  to: number;
  sign: 1 | -1;
}

const term = (level: Level, from: number, to: number): Term[] => (from < to ? [{ level, from, to, sign: 1 }] : []);
const negate = (ts: Term[]): Term[] => ts.map((x) => ({ ...x, sign: x.sign === 1 ? -1 : 1 }));

/**
 * The signed cover of [from, to) with the fewest keys read, over 28-day bins (level 'm', four
 * weeks), weeks, days, hours and rows: each partial bin at an end is read either as its smaller
 * bins (inward), or as the whole bin less the smaller bins outside the period (outward), whichever
 * costs less. Time after `now` holds (nearly) nothing, so the part of a bin after it costs nothing:
 * the current 28 days are read as one bin less its (empty) rest. Counts add up, so the result is
 * exact either way; only the work differs.
 */
export function signedRollupSpans(from: Date, to: Date, now: Date = to): SignedRollupSpans {
  const t0 = now.getTime();
  const cost = (ts: Term[]) => ts.reduce((c, x) => c + PROBE + (Math.max(0, Math.min(x.to, t0) - x.from) / UNIT[x.level]) * COST[x.level], 0);
  const cheaper = (p: Term[], q: Term[]) => (cost(q) < cost(p) ? q : p);
  // [t, ceil_L(t)) and [floor_L(t), t), in levels finer than L.
  const after = (t: number, level: Exclude<Level, 'r'>): Term[] => {
    const top = ceilTo(t, UNIT[level]);
    if (top === t) return [];
    const f = FINER[level];
    if (f === 'r') return term('r', t, top);
    const inward = [...after(t, f), ...term(f, ceilTo(t, UNIT[f]), top)];
    const outward = [...term(f, floorTo(t, UNIT[f]), top), ...negate(before(t, f))];
    return cheaper(inward, outward);
  };
  const before = (t: number, level: Exclude<Level, 'r'>): Term[] => {
    const bottom = floorTo(t, UNIT[level]);
    if (bottom === t) return [];
    const f = FINER[level];
    if (f === 'r') return term('r', bottom, t);
    const inward = [...term(f, bottom, floorTo(t, UNIT[f])), ...before(t, f)];
    const outward = [...term(f, bottom, ceilTo(t, UNIT[f])), ...negate(after(t, f))];
    return cheaper(inward, outward);
  };
  // [a, b) at level L and finer.
  const cover = (a: number, b: number, level: Level): Term[] => {
    if (level === 'r') return term('r', a, b);
    const unit = UNIT[level];
    const lo = ceilTo(a, unit);
    const hi = floorTo(b, unit);
    if (lo <= hi) {
      const start = cheaper(after(a, level), [...term(level, floorTo(a, unit), lo), ...negate(before(a, level))]);
      const end = cheaper(before(b, level), [...term(level, hi, ceilTo(b, unit)), ...negate(after(b, level))]);
      return [...start, ...term(level, lo, hi), ...end];
    }
    // Both ends inside one bin.
    return cheaper(cover(a, b, FINER[level]), [...term(level, floorTo(a, unit), ceilTo(a, unit)), ...negate(before(a, level)), ...negate(after(b, level))]);
  };
  const terms = from.getTime() < to.getTime() ? cover(from.getTime(), to.getTime(), 'm') : [];
  const pick = (sign: 1 | -1): SignedRollupSpans['plus'] => {
    const of = (level: Level) =>
      terms
        .filter((x) => x.sign === sign && x.level === level)
        .sort((x, y) => x.from - y.from)
        .map((x) => ({ from: new Date(x.from), to: new Date(x.to) }));
    return { months: of('m'), weeks: of('w'), days: of('d'), hours: of('h'), rows: of('r') };
  };
  return { plus: pick(1), minus: pick(-1) };
}
