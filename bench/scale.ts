/**
 * How big `npm run bench` runs, from its arguments (`npm run bench -- --quick --db=embedded`):
 * - `--db=server|embedded`: the database (default: a server when TEST_DATABASE_URL or DATABASE_URL
 *   is set, else the embedded PGlite). `--db=embedded` ignores those variables.
 * - `--quick`: a smoke run (every figure, small numbers, about a minute on a server), for CI.
 * - `--rows=N`: mentions in the seeded histories (default 1,000,000 on either database; the
 *   embedded one seeds in-process, about two minutes per million-row seed).
 * Seeds of another size live in their own databases (`earshot_bench_<rows>`): a quick run never
 * reseeds the million-row ones.
 */
export interface BenchScale {
  name: string;
  db: 'server' | 'embedded' | 'auto';
  /** Claim ack: simultaneous clicks per round, rounds per side (earshot and the bare Bolt app). */
  clicks: number;
  clickRounds: number;
  /** Mentions in the seeded histories (SLA/ingest seed and statistics seed), and how many open. */
  rows: number | undefined;
  open: (rows: number) => number;
  statsRuns: number;
  sweepTicks: number;
  ingestTotal: number;
  /** Rounds per side of the ingest comparison (empty database, seeded database). */
  ingestRounds: number;
  cards: number;
  xPosts: number;
  memoryMentions: number;
  memoryXPosts: number;
  memorySettleMs: number;
}

export function benchScale(argv: string[]): BenchScale {
  const arg = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = (name: string) => arg(name)?.split('=')[1];
  const unknown = argv.filter((a) => !/^--(quick|db|rows)(=|$)/.test(a));
  if (unknown.length > 0) throw new Error(`unknown bench arguments: ${unknown.join(' ')} (known: --quick, --db=server|embedded, --rows=N)`);
  const db = value('db') ?? 'auto';
  if (db !== 'server' && db !== 'embedded' && db !== 'auto') throw new Error(`--db=${db}: use server or embedded`);
  const rowsArg = value('rows');
  const rows = rowsArg === undefined ? undefined : Number(rowsArg.replace(/[_,]/g, ''));
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1000)) throw new Error(`--rows=${rowsArg}: a whole number of at least 1000`);
  const open = (n: number) => Math.round(n / 10);
  if (arg('quick')) {
    return {
      name: 'quick',
      db,
      clicks: 50,
      clickRounds: 2,
      rows: rows ?? 20_000,
      open,
      statsRuns: 5,
      sweepTicks: 5,
      ingestTotal: 2_000,
      ingestRounds: 2,
      cards: 500,
      xPosts: 60,
      memoryMentions: 200,
      memoryXPosts: 50,
      memorySettleMs: 5_000,
    };
  }
  return {
    name: 'full',
    db,
    clicks: 200,
    clickRounds: 6,
    rows,
    open,
    statsRuns: 20,
    sweepTicks: 20,
    ingestTotal: 10_000,
    ingestRounds: 3,
    cards: 1000,
    xPosts: 300,
    memoryMentions: 1000,
    memoryXPosts: 200,
    memorySettleMs: 20_000,
  };
}
