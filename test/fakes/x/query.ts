/**
 * The fake's deliberately simple matcher for search queries and filtered-stream rules.
 *
 * - Terms (words, "quoted phrases", #hashtags, @mentions, $cashtags) match as case-insensitive
 *   substrings of the post text. A post matches when it contains ANY positive term (X itself
 *   ANDs space-separated terms; the fake is looser on purpose). `OR`, `AND` and parentheses are
 *   ignored.
 * - `-term` excludes posts containing the term.
 * - Understood operators (each may be negated with `-`): `from:user`, `to:user`, `is:retweet`,
 *   `is:reply`, `is:quote`, `lang:xx`. Operators are ANDed with the terms. Every other operator
 *   (`has:media`, `place:`, `url:`, …) is ignored.
 * - A query with no positive term and no understood positive operator matches nothing.
 */

export interface MatchablePost {
  text: string;
  lang: string;
  authorUsername: string;
  inReplyToUsername?: string;
  referencedTypes: readonly string[];
}

interface Operator {
  negated: boolean;
  test: (post: MatchablePost) => boolean;
}

export interface CompiledQuery {
  positive: string[];
  negative: string[];
  operators: Operator[];
}

function tokenize(query: string): { token: string; quoted: boolean; negated: boolean }[] {
  const out: { token: string; quoted: boolean; negated: boolean }[] = [];
  const re = /(-?)"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query)) !== null) {
    if (m[2] !== undefined) {
      out.push({ token: m[2], quoted: true, negated: m[1] === '-' });
    } else if (m[3] !== undefined) {
      let raw = m[3].replace(/^\(+/, '').replace(/\)+$/, '');
      if (!raw) continue;
      const negated = raw.startsWith('-') && raw.length > 1;
      if (negated) raw = raw.slice(1);
      out.push({ token: raw, quoted: false, negated });
    }
  }
  return out;
}

function operatorTest(name: string, value: string): ((post: MatchablePost) => boolean) | undefined {
  const v = value.toLowerCase().replace(/^@/, '');
  switch (name) {
    case 'from':
      return (p) => p.authorUsername.toLowerCase() === v;
    case 'to':
      return (p) => (p.inReplyToUsername ?? '').toLowerCase() === v;
    case 'lang':
      return (p) => p.lang.toLowerCase() === v;
    case 'is':
      if (v === 'retweet') return (p) => p.referencedTypes.includes('retweeted');
      if (v === 'reply') return (p) => p.referencedTypes.includes('replied_to');
      if (v === 'quote') return (p) => p.referencedTypes.includes('quoted');
      return undefined;
    default:
      return undefined;
  }
}

export function compileQuery(query: string): CompiledQuery {
  const compiled: CompiledQuery = { positive: [], negative: [], operators: [] };
  for (const { token, quoted, negated } of tokenize(query)) {
    if (!quoted && (token === 'OR' || token === 'AND')) continue;
    const op = !quoted ? /^([a-z_]+):(.+)$/i.exec(token) : null;
    if (op && op[1] && op[2]) {
      const test = operatorTest(op[1].toLowerCase(), op[2]);
      if (test) compiled.operators.push({ negated, test });
      continue;
    }
    const term = token.toLowerCase();
    if (!term) continue;
    (negated ? compiled.negative : compiled.positive).push(term);
  }
  return compiled;
}

export function matches(compiled: CompiledQuery, post: MatchablePost): boolean {
  const text = post.text.toLowerCase();
  const positiveOps = compiled.operators.filter((o) => !o.negated);
  if (compiled.positive.length === 0 && positiveOps.length === 0) return false;
  if (compiled.positive.length > 0 && !compiled.positive.some((t) => text.includes(t))) return false;
  if (compiled.negative.some((t) => text.includes(t))) return false;
  return compiled.operators.every((o) => (o.negated ? !o.test(post) : o.test(post)));
}
