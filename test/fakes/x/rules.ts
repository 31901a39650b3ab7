/** The filtered stream's rules: GET and POST /2/tweets/search/stream/rules, with X's answers. */
import { invalidRequest } from './errors.js';
import type { Reply } from './http.js';

export interface StreamRule {
  id: string;
  value: string;
  tag?: string;
}

/** GET /2/tweets/search/stream/rules (optionally by `ids`). */
export function listRules(all: readonly StreamRule[], query: Record<string, string>): Reply {
  const ids = query.ids ? new Set(query.ids.split(',')) : undefined;
  const max = query.max_results ? Number(query.max_results) : 1000;
  const rules = all.filter((r) => !ids || ids.has(r.id)).slice(0, max);
  const sent = new Date().toISOString();
  if (rules.length === 0) return { status: 200, body: { meta: { sent, result_count: 0 } } };
  return { status: 200, body: { data: rules, meta: { sent, result_count: rules.length } } };
}

/** POST /2/tweets/search/stream/rules: add, delete or delete_all (dry_run changes nothing). */
export function updateRules(
  state: { rules: StreamRule[] },
  query: Record<string, string>,
  body: Record<string, unknown>,
  o: { maxLength: number; nextId: () => string },
): Reply {
  const dryRun = query.dry_run === 'true';
  const sent = new Date().toISOString();
  const add = body.add as { value: string; tag?: string }[] | undefined;
  const del = body.delete as { ids?: string[]; values?: string[] } | undefined;
  if (query.delete_all === 'true') {
    const deleted = state.rules.length;
    if (!dryRun) state.rules = [];
    return { status: 200, body: { meta: { sent, summary: { deleted, not_deleted: 0 } } } };
  }
  if (add && del) {
    return invalidRequest([{ message: 'Request may contain either an "add" or a "delete" field, not both.' }]);
  }
  if (add) {
    const created: StreamRule[] = [];
    const errors: Record<string, unknown>[] = [];
    const values = new Set(state.rules.map((r) => r.value));
    for (const item of add) {
      if ([...item.value].length > o.maxLength) {
        errors.push({ value: item.value, details: [`Rule must be ≤ ${o.maxLength} characters.`], title: 'UnprocessableEntity', type: 'https://api.twitter.com/2/problems/invalid-rules' });
        continue;
      }
      if (values.has(item.value)) {
        const existing = state.rules.find((r) => r.value === item.value);
        errors.push({ value: item.value, ...(existing ? { id: existing.id } : {}), title: 'DuplicateRule', type: 'https://api.twitter.com/2/problems/duplicate-rules' });
        continue;
      }
      values.add(item.value);
      created.push({ id: o.nextId(), value: item.value, ...(item.tag !== undefined ? { tag: item.tag } : {}) });
    }
    if (!dryRun) state.rules.push(...created);
    const invalid = add.length - created.length;
    const out: Record<string, unknown> = {};
    if (created.length > 0) out.data = created;
    out.meta = { sent, summary: { created: created.length, not_created: invalid, valid: created.length, invalid } };
    if (errors.length > 0) out.errors = errors;
    return { status: created.length > 0 ? 201 : 200, body: out };
  }
  if (del) {
    const wantedIds = new Set(del.ids ?? []);
    const wantedValues = new Set(del.values ?? []);
    const found = state.rules.filter((r) => wantedIds.has(r.id) || wantedValues.has(r.value));
    const missing = [
      ...[...wantedIds].filter((id) => !state.rules.some((r) => r.id === id)),
      ...[...wantedValues].filter((v) => !state.rules.some((r) => r.value === v)),
    ];
    if (!dryRun) state.rules = state.rules.filter((r) => !found.includes(r));
    const out: Record<string, unknown> = { meta: { sent, summary: { deleted: found.length, not_deleted: missing.length } } };
    if (missing.length > 0) {
      out.errors = missing.map((value) => ({ value, details: ['Rule does not exist'], title: 'Invalid Request', type: 'https://api.twitter.com/2/problems/invalid-request' }));
    }
    return { status: 200, body: out };
  }
  return invalidRequest([{ message: 'Request must contain an "add" or a "delete" field.' }]);
}
