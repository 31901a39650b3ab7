import { FACTS_PATH, readFacts } from '../facts.js';

/**
 * Required arguments per Web API method, from Slack's OpenAPI document (swagger 2, frozen 2021) as
 * extracted into the committed facts table. The token parameter is handled by the auth check, never here.
 */
export interface MethodSpec {
  /** Where the table came from: the facts table (taken from the OpenAPI file), or the built-in fallback. */
  source: 'spec' | 'builtin';
  specPath: string;
  /** Methods Slack knows (spec paths plus newer built-ins). */
  known: Set<string>;
  required: Map<string, string[]>;
}

/** Newer than the frozen spec, or the fallback when it is missing. Mirrors the spec where both exist. */
const BUILTIN_REQUIRED: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['channel'],
  'chat.update': ['channel', 'ts'],
  'chat.delete': ['channel', 'ts'],
  'chat.postEphemeral': ['channel', 'user'],
  'chat.getPermalink': ['channel', 'message_ts'],
  'conversations.history': [],
  'conversations.replies': [],
  'conversations.members': [],
  'conversations.info': [],
  'conversations.open': [],
  'views.open': ['trigger_id', 'view'],
  'views.update': [],
  'views.push': ['trigger_id', 'view'],
  'views.publish': ['user_id', 'view'],
  'usergroups.users.list': ['usergroup'],
  'users.info': [],
  'files.getUploadURLExternal': ['filename', 'length'],
  'files.completeUploadExternal': ['files'],
};

const cache = new Map<string, MethodSpec>();

/** The committed facts table (`npm run fakes:refresh`), or the built-in table when it is missing or `false`. */
export function loadMethodSpec(specPath: string | false = FACTS_PATH): MethodSpec {
  const key = specPath === false ? '' : specPath;
  const hit = cache.get(key);
  if (hit) return hit;
  const facts = specPath === false ? undefined : readFacts(specPath)?.slack;
  const spec = facts ? fromFacts(key, facts.required) : builtin(key);
  cache.set(key, spec);
  return spec;
}

function builtin(specPath: string): MethodSpec {
  return {
    source: 'builtin',
    specPath,
    known: new Set(Object.keys(BUILTIN_REQUIRED)),
    required: new Map(Object.entries(BUILTIN_REQUIRED)),
  };
}

function fromFacts(specPath: string, table: Record<string, string[]>): MethodSpec {
  const required = new Map(Object.entries(table));
  for (const [method, names] of Object.entries(BUILTIN_REQUIRED)) {
    if (!required.has(method)) required.set(method, names);
  }
  return { source: 'spec', specPath, known: new Set(required.keys()), required };
}
