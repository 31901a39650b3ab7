/**
 * Parameter and body rules of the fake X API, read from the X API v2 OpenAPI document
 * (`../shared/specs/x/openapi.json` from the repo root) with built-in fallbacks.
 *
 * The 2025+ document renames some "tweet" names to "post" on a few endpoints (`post.fields`,
 * `referenced_posts`, `edit_history_post_ids`) while the live API and twitter-api-v2 still use
 * `tweet.fields`, `referenced_tweets.id`, … and the stream endpoint in the same document keeps
 * the tweet names. The fake therefore accepts both spellings: `tweet.fields` is an alias of
 * `post.fields`, and the allowed values of each field list are the union over the endpoints used
 * here plus the built-in lists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type XEndpointKey =
  | 'userByUsername'
  | 'me'
  | 'mentions'
  | 'userTweets'
  | 'search'
  | 'stream'
  | 'rules'
  | 'rulesUpdate'
  | 'tweet'
  | 'dm';

export const X_ENDPOINT_KEYS: readonly XEndpointKey[] = [
  'userByUsername', 'me', 'mentions', 'userTweets', 'search', 'stream', 'rules', 'rulesUpdate', 'tweet', 'dm',
];

export type ParamKind = 'string' | 'integer' | 'boolean' | 'csv' | 'date-time';

export interface ParamRule {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  kind: ParamKind;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** Allowed values of a comma-separated list. */
  values?: readonly string[];
}

/** A tiny subset of JSON Schema, enough for the request bodies the bot sends. */
export interface BodySchema {
  type?: 'object' | 'string' | 'array' | 'boolean' | 'integer' | 'number';
  properties?: Record<string, BodySchema>;
  required?: string[];
  additionalProperties?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  items?: BodySchema;
}

export interface EndpointSpec {
  params: ParamRule[];
  body?: BodySchema;
}

export type SpecSource = 'openapi' | 'builtin';

const SPEC_OPERATIONS: Record<XEndpointKey, [string, 'get' | 'post']> = {
  userByUsername: ['/2/users/by/username/{username}', 'get'],
  me: ['/2/users/me', 'get'],
  mentions: ['/2/users/{id}/mentions', 'get'],
  userTweets: ['/2/users/{id}/tweets', 'get'],
  search: ['/2/tweets/search/recent', 'get'],
  stream: ['/2/tweets/search/stream', 'get'],
  rules: ['/2/tweets/search/stream/rules', 'get'],
  rulesUpdate: ['/2/tweets/search/stream/rules', 'post'],
  tweet: ['/2/tweets', 'post'],
  dm: ['/2/dm_conversations/with/{participant_id}/messages', 'post'],
};

// ---- built-in lists (used alone when the document is missing, merged with it otherwise) ----

const TWEET_FIELDS = [
  'attachments', 'author_id', 'card_uri', 'context_annotations', 'conversation_id', 'created_at',
  'edit_controls', 'edit_history_tweet_ids', 'entities', 'geo', 'id', 'in_reply_to_user_id', 'lang',
  'non_public_metrics', 'note_tweet', 'organic_metrics', 'possibly_sensitive', 'promoted_metrics',
  'public_metrics', 'referenced_tweets', 'reply_settings', 'scopes', 'source', 'text', 'withheld',
];
const USER_FIELDS = [
  'affiliation', 'connection_status', 'created_at', 'description', 'entities', 'id', 'location',
  'most_recent_tweet_id', 'name', 'pinned_tweet_id', 'profile_banner_url', 'profile_image_url',
  'protected', 'public_metrics', 'receives_your_dm', 'subscription_type', 'url', 'username',
  'verified', 'verified_type', 'withheld',
];
const EXPANSIONS = [
  'attachments.media_keys', 'attachments.poll_ids', 'author_id', 'edit_history_tweet_ids',
  'entities.mentions.username', 'geo.place_id', 'in_reply_to_user_id', 'referenced_tweets.id',
  'referenced_tweets.id.author_id', 'pinned_tweet_id',
];
const MEDIA_FIELDS = [
  'alt_text', 'duration_ms', 'height', 'media_key', 'non_public_metrics', 'organic_metrics',
  'preview_image_url', 'promoted_metrics', 'public_metrics', 'type', 'url', 'variants', 'width',
];
const POLL_FIELDS = ['duration_minutes', 'end_datetime', 'id', 'options', 'voting_status'];
const PLACE_FIELDS = ['contained_within', 'country', 'country_code', 'full_name', 'geo', 'id', 'name', 'place_type'];

const BUILTIN_LISTS: Record<string, readonly string[]> = {
  'tweet.fields': TWEET_FIELDS,
  'post.fields': TWEET_FIELDS,
  'user.fields': USER_FIELDS,
  expansions: EXPANSIONS,
  'media.fields': MEDIA_FIELDS,
  'poll.fields': POLL_FIELDS,
  'place.fields': PLACE_FIELDS,
};

const ID = '^[0-9]{1,19}$';
const csv = (name: string): ParamRule => ({ name, in: 'query', required: false, kind: 'csv' });
const tweetExpansionFields = (): ParamRule[] => [
  csv('tweet.fields'), csv('expansions'), csv('media.fields'), csv('poll.fields'), csv('user.fields'), csv('place.fields'),
];
const userExpansionFields = (): ParamRule[] => [csv('user.fields'), csv('expansions'), csv('tweet.fields')];
const dateTime = (name: string): ParamRule => ({ name, in: 'query', required: false, kind: 'date-time' });
const idParam = (name: string, where: 'path' | 'query' = 'query'): ParamRule => ({
  name, in: where, required: where === 'path', kind: 'string', pattern: ID,
});
const token = (name: string): ParamRule => ({ name, in: 'query', required: false, kind: 'string', minLength: 1 });

const BUILTIN: Record<XEndpointKey, EndpointSpec> = {
  userByUsername: {
    params: [{ name: 'username', in: 'path', required: true, kind: 'string', pattern: '^[A-Za-z0-9_]{1,15}$' }, ...userExpansionFields()],
  },
  me: { params: userExpansionFields() },
  mentions: {
    params: [
      idParam('id', 'path'), idParam('since_id'), idParam('until_id'),
      { name: 'max_results', in: 'query', required: false, kind: 'integer', minimum: 5, maximum: 100 },
      token('pagination_token'), dateTime('start_time'), dateTime('end_time'), ...tweetExpansionFields(),
    ],
  },
  userTweets: {
    params: [
      idParam('id', 'path'), idParam('since_id'), idParam('until_id'),
      { name: 'max_results', in: 'query', required: false, kind: 'integer', minimum: 5, maximum: 100 },
      token('pagination_token'), dateTime('start_time'), dateTime('end_time'),
      { name: 'exclude', in: 'query', required: false, kind: 'csv', values: ['replies', 'retweets'] },
      ...tweetExpansionFields(),
    ],
  },
  search: {
    params: [
      { name: 'query', in: 'query', required: true, kind: 'string', minLength: 1, maxLength: 512 },
      dateTime('start_time'), dateTime('end_time'), idParam('since_id'), idParam('until_id'),
      { name: 'max_results', in: 'query', required: false, kind: 'integer', minimum: 10, maximum: 100 },
      token('next_token'), token('pagination_token'),
      { name: 'sort_order', in: 'query', required: false, kind: 'string' },
      ...tweetExpansionFields(),
    ],
  },
  stream: {
    params: [
      { name: 'backfill_minutes', in: 'query', required: false, kind: 'integer', minimum: 0, maximum: 5 },
      dateTime('start_time'), dateTime('end_time'), ...tweetExpansionFields(),
    ],
  },
  rules: {
    params: [
      csv('ids'),
      { name: 'max_results', in: 'query', required: false, kind: 'integer', minimum: 1, maximum: 1000 },
      { name: 'pagination_token', in: 'query', required: false, kind: 'string', minLength: 16, maxLength: 16 },
    ],
  },
  rulesUpdate: {
    params: [
      { name: 'dry_run', in: 'query', required: false, kind: 'boolean' },
      { name: 'delete_all', in: 'query', required: false, kind: 'boolean' },
    ],
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        add: {
          type: 'array',
          items: {
            type: 'object', required: ['value'], additionalProperties: false,
            properties: { value: { type: 'string' }, tag: { type: 'string' } },
          },
        },
        delete: {
          type: 'object', additionalProperties: false,
          properties: { ids: { type: 'array', items: { type: 'string', pattern: ID } }, values: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  },
  tweet: {
    params: [],
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        text: { type: 'string' },
        reply: {
          type: 'object', required: ['in_reply_to_tweet_id'], additionalProperties: false,
          properties: {
            in_reply_to_tweet_id: { type: 'string', pattern: ID },
            exclude_reply_user_ids: { type: 'array', items: { type: 'string' } },
            auto_populate_reply_metadata: { type: 'boolean' },
          },
        },
        quote_tweet_id: { type: 'string', pattern: ID },
        reply_settings: { type: 'string' },
        for_super_followers_only: { type: 'boolean' },
        nullcast: { type: 'boolean' },
        media: { type: 'object' },
        poll: { type: 'object' },
        geo: { type: 'object' },
        card_uri: { type: 'string' },
        direct_message_deep_link: { type: 'string' },
      },
    },
  },
  dm: {
    params: [idParam('participant_id', 'path')],
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { text: { type: 'string', minLength: 1 }, attachments: { type: 'array' } },
    },
  },
};

// ---- OpenAPI reading ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(doc: JsonObject, value: Json | undefined, depth = 0): Json | undefined {
  if (!isObject(value) || typeof value.$ref !== 'string' || depth > 20) return value;
  let target: Json | undefined = doc;
  for (const part of value.$ref.replace(/^#\//, '').split('/')) {
    target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return resolveRef(doc, target, depth + 1);
}

function paramFromSpec(doc: JsonObject, raw: Json): ParamRule | undefined {
  const p = resolveRef(doc, raw);
  if (!isObject(p) || typeof p.name !== 'string' || (p.in !== 'query' && p.in !== 'path')) return undefined;
  const schema = resolveRef(doc, p.schema);
  const s = isObject(schema) ? schema : {};
  const rule: ParamRule = { name: p.name, in: p.in, required: p.required === true, kind: 'string' };
  if (s.type === 'array') {
    rule.kind = 'csv';
    const items = resolveRef(doc, s.items);
    if (isObject(items) && Array.isArray(items.enum)) rule.values = items.enum.filter((v): v is string => typeof v === 'string');
  } else if (s.type === 'integer') {
    rule.kind = 'integer';
  } else if (s.type === 'boolean') {
    rule.kind = 'boolean';
  } else if (s.format === 'date-time') {
    rule.kind = 'date-time';
  }
  if (typeof s.minimum === 'number') rule.minimum = s.minimum;
  if (typeof s.maximum === 'number') rule.maximum = s.maximum;
  if (typeof s.minLength === 'number') rule.minLength = s.minLength;
  if (typeof s.maxLength === 'number') rule.maxLength = s.maxLength;
  if (typeof s.pattern === 'string') rule.pattern = s.pattern;
  return rule;
}

function bodyFromSpec(doc: JsonObject, raw: Json | undefined, depth = 0): BodySchema | undefined {
  const s = resolveRef(doc, raw);
  if (!isObject(s) || depth > 6) return undefined;
  const out: BodySchema = {};
  if (typeof s.type === 'string') out.type = s.type as BodySchema['type'];
  if (s.additionalProperties === false) out.additionalProperties = false;
  if (Array.isArray(s.required)) out.required = s.required.filter((v): v is string => typeof v === 'string');
  if (typeof s.pattern === 'string') out.pattern = s.pattern;
  if (typeof s.minLength === 'number') out.minLength = s.minLength;
  if (typeof s.maxLength === 'number') out.maxLength = s.maxLength;
  if (isObject(s.properties)) {
    out.properties = {};
    for (const [name, value] of Object.entries(s.properties)) {
      out.properties[name] = bodyFromSpec(doc, value, depth + 1) ?? {};
    }
  }
  if (s.items !== undefined) {
    const items = bodyFromSpec(doc, s.items, depth + 1);
    if (items) out.items = items;
  }
  return out;
}

function endpointFromSpec(doc: JsonObject, key: XEndpointKey): EndpointSpec | undefined {
  const [specPath, method] = SPEC_OPERATIONS[key];
  const paths = doc.paths;
  if (!isObject(paths)) return undefined;
  const item = paths[specPath];
  if (!isObject(item)) return undefined;
  const op = item[method];
  if (!isObject(op)) return undefined;
  const rawParams = [
    ...(Array.isArray(item.parameters) ? item.parameters : []),
    ...(Array.isArray(op.parameters) ? op.parameters : []),
  ];
  const params = rawParams.map((p) => paramFromSpec(doc, p)).filter((p): p is ParamRule => p !== undefined);
  const spec: EndpointSpec = { params };
  const requestBody = resolveRef(doc, op.requestBody);
  if (isObject(requestBody) && isObject(requestBody.content)) {
    const json = requestBody.content['application/json'];
    if (isObject(json)) {
      const body = bodyFromSpec(doc, json.schema);
      if (body) spec.body = body;
    }
  }
  return spec;
}

/** Path params first (X lists them first in "is not one of [...]"), `tweet.fields` beside `post.fields`. */
function normalise(spec: EndpointSpec): EndpointSpec {
  const params: ParamRule[] = [];
  const sorted = [...spec.params.filter((p) => p.in === 'path'), ...spec.params.filter((p) => p.in === 'query')];
  for (const p of sorted) {
    if (params.some((q) => q.name === p.name)) continue;
    params.push(p);
    if (p.name === 'post.fields' && !sorted.some((q) => q.name === 'tweet.fields')) {
      params.push({ ...p, name: 'tweet.fields' });
    }
  }
  return { ...spec, params };
}

function unionLists(endpoints: Record<XEndpointKey, EndpointSpec>): Record<string, string[]> {
  const sets = new Map<string, Set<string>>();
  const add = (name: string, values: readonly string[]): void => {
    const key = name === 'post.fields' ? 'tweet.fields' : name;
    const set = sets.get(key) ?? new Set<string>();
    values.forEach((v) => set.add(v));
    sets.set(key, set);
  };
  for (const [name, values] of Object.entries(BUILTIN_LISTS)) add(name, values);
  for (const spec of Object.values(endpoints)) {
    for (const p of spec.params) if (p.kind === 'csv' && p.values) add(p.name, p.values);
  }
  const out: Record<string, string[]> = {};
  for (const [name, set] of sets) out[name] = [...set].sort();
  out['post.fields'] = out['tweet.fields'] ?? [];
  return out;
}

export interface LoadedSpec {
  source: SpecSource;
  specPath: string;
  endpoints: Record<XEndpointKey, EndpointSpec>;
}

export function defaultSpecPath(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return path.resolve(repoRoot, '../shared/specs/x/openapi.json');
}

const cache = new Map<string, LoadedSpec>();

/** Load the parameter rules (cached per path); falls back to built-in lists if the file is missing. */
export function loadXSpec(specPath: string = defaultSpecPath()): LoadedSpec {
  const cached = cache.get(specPath);
  if (cached) return cached;
  let doc: JsonObject | undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(specPath, 'utf8')) as Json;
    if (isObject(parsed)) doc = parsed;
  } catch {
    doc = undefined;
  }
  const endpoints = {} as Record<XEndpointKey, EndpointSpec>;
  for (const key of X_ENDPOINT_KEYS) {
    const fromDoc = doc ? endpointFromSpec(doc, key) : undefined;
    const builtin = BUILTIN[key];
    endpoints[key] = normalise(fromDoc ? { params: fromDoc.params, body: fromDoc.body ?? builtin.body } : builtin);
  }
  const lists = unionLists(endpoints);
  for (const spec of Object.values(endpoints)) {
    for (const p of spec.params) {
      if (p.kind === 'csv' && p.name !== 'ids') p.values = lists[p.name] ?? p.values;
    }
  }
  const loaded: LoadedSpec = { source: doc ? 'openapi' : 'builtin', specPath, endpoints };
  cache.set(specPath, loaded);
  return loaded;
}

// ---- validation ----

export interface ParamError {
  parameters: Record<string, string[]>;
  message: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Check query and path params as X does; returns X's per-parameter error objects.
 * `overrides` replaces limits per param name (e.g. the fake's search `query` length).
 */
export function validateParams(
  spec: EndpointSpec,
  query: Record<string, string>,
  pathParams: Record<string, string>,
  overrides: Record<string, Partial<ParamRule>> = {},
): ParamError[] {
  const errors: ParamError[] = [];
  const rules = spec.params.map((p) => ({ ...p, ...overrides[p.name] }));
  const queryNames = new Set(rules.filter((r) => r.in === 'query').map((r) => r.name));
  const allNames = rules.map((r) => r.name).join(',');
  for (const [name, value] of Object.entries(query)) {
    if (!queryNames.has(name)) {
      errors.push({ parameters: { [name]: [value] }, message: `The query parameter [${name}] is not one of [${allNames}]` });
    }
  }
  for (const rule of rules) {
    const value = rule.in === 'path' ? pathParams[rule.name] : query[rule.name];
    if (value === undefined || (value === '' && rule.required)) {
      if (rule.required) {
        errors.push({ parameters: { [rule.name]: [] }, message: `The \`${rule.name}\` query parameter can not be empty` });
      }
      continue;
    }
    const where = `The \`${rule.name}\` query parameter value [${value}]`;
    const fail = (what: string): void => {
      errors.push({ parameters: { [rule.name]: [value] }, message: `${where} ${what}` });
    };
    switch (rule.kind) {
      case 'integer': {
        if (!/^-?\d+$/.test(value)) {
          fail('is not a valid integer');
          break;
        }
        const n = Number(value);
        if ((rule.minimum !== undefined && n < rule.minimum) || (rule.maximum !== undefined && n > rule.maximum)) {
          fail(`is not between ${rule.minimum ?? '-∞'} and ${rule.maximum ?? '∞'}`);
        }
        break;
      }
      case 'boolean':
        if (value !== 'true' && value !== 'false') fail('is not one of [true,false]');
        break;
      case 'date-time':
        if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) fail('is not a valid RFC3339 date-time');
        break;
      case 'csv': {
        if (!rule.values) break;
        const allowed = new Set(rule.values);
        for (const item of value.split(',')) {
          if (!allowed.has(item)) {
            errors.push({
              parameters: { [rule.name]: [item] },
              message: `The \`${rule.name}\` query parameter value [${item}] is not one of [${rule.values.join(',')}]`,
            });
          }
        }
        break;
      }
      case 'string': {
        const len = [...value].length;
        if (rule.minLength !== undefined && len < rule.minLength) {
          if (rule.required && len === 0) {
            errors.push({ parameters: { [rule.name]: [] }, message: `The \`${rule.name}\` query parameter can not be empty` });
          } else {
            fail(`is shorter than ${rule.minLength} characters`);
          }
        } else if (rule.maxLength !== undefined && len > rule.maxLength) {
          fail(`is longer than ${rule.maxLength} characters`);
        } else if (rule.pattern && !new RegExp(rule.pattern).test(value)) {
          fail(`does not match ${rule.pattern}`);
        }
        break;
      }
      default: {
        const never: never = rule.kind;
        throw new Error(`unknown param kind ${String(never)}`);
      }
    }
  }
  return errors;
}

/** Validate a JSON body against the subset schema; messages in X's `$.path: …` style. */
export function validateBody(schema: BodySchema | undefined, body: unknown, at = '$'): string[] {
  if (!schema) return [];
  const errors: string[] = [];
  const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type) {
    const actual = typeOf(body);
    const ok = actual === schema.type || (schema.type === 'number' && actual === 'integer');
    if (!ok) return [`${at}: ${actual} found, ${schema.type} expected`];
  }
  if (typeof body === 'string') {
    const len = [...body].length;
    if (schema.minLength !== undefined && len < schema.minLength) errors.push(`${at}: must be at least ${schema.minLength} characters long`);
    if (schema.maxLength !== undefined && len > schema.maxLength) errors.push(`${at}: may only be ${schema.maxLength} characters long`);
    if (schema.pattern && !new RegExp(schema.pattern).test(body)) errors.push(`${at}: does not match the regex pattern ${schema.pattern}`);
  }
  if (Array.isArray(body) && schema.items) {
    body.forEach((item, i) => errors.push(...validateBody(schema.items, item, `${at}[${i}]`)));
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (record[name] === undefined) errors.push(`${at}.${name}: is missing but it is required`);
    }
    for (const [name, value] of Object.entries(record)) {
      const prop = schema.properties?.[name];
      if (!prop) {
        if (schema.additionalProperties === false) {
          errors.push(`${at}.${name}: is not defined in the schema and the schema does not allow additional properties`);
        }
        continue;
      }
      errors.push(...validateBody(prop, value, `${at}.${name}`));
    }
  }
  return errors;
}
