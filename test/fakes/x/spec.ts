/**
 * Parameter and body rules of the fake X API: the X API v2 OpenAPI document's, as extracted into
 * the committed facts table (test/fakes/api-facts.json, `npm run fakes:refresh`), with built-in
 * fallbacks.
 *
 * The 2025+ document renames some "tweet" names to "post" on a few endpoints (`post.fields`,
 * `referenced_posts`, `edit_history_post_ids`) while the live API and twitter-api-v2 still use
 * `tweet.fields`, `referenced_tweets.id`, … and the stream endpoint in the same document keeps
 * the tweet names. The fake therefore accepts both spellings: `tweet.fields` is an alias of
 * `post.fields`, and the allowed values of each field list are the union over the endpoints used
 * here plus the built-in lists.
 *
 * Over 300 lines: one reason to change, what X's document says; the built-in fallbacks of every
 * endpoint sit beside the reading of the facts table they stand in for.
 */
import { FACTS_PATH, readFacts } from '../facts.js';

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

export const SPEC_OPERATIONS: Record<XEndpointKey, [string, 'get' | 'post']> = {
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

const cache = new Map<string, LoadedSpec>();

/**
 * The parameter rules (cached per path): the committed facts table's endpoints (extracted from
 * the OpenAPI document by `npm run fakes:refresh`) merged with the built-in lists; the built-in
 * rules alone when the table is missing.
 */
export function loadXSpec(specPath: string = FACTS_PATH): LoadedSpec {
  const cached = cache.get(specPath);
  if (cached) return cached;
  const fromDoc = readFacts(specPath)?.x?.endpoints;
  const endpoints = {} as Record<XEndpointKey, EndpointSpec>;
  for (const key of X_ENDPOINT_KEYS) {
    const doc = fromDoc?.[key];
    const builtin = BUILTIN[key];
    endpoints[key] = normalise(doc ? { params: structuredClone(doc.params), body: doc.body ?? builtin.body } : builtin);
  }
  const lists = unionLists(endpoints);
  for (const spec of Object.values(endpoints)) {
    for (const p of spec.params) {
      if (p.kind === 'csv' && p.name !== 'ids') p.values = lists[p.name] ?? p.values;
    }
  }
  const loaded: LoadedSpec = { source: fromDoc ? 'openapi' : 'builtin', specPath, endpoints };
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
