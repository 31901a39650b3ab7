import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Required arguments per Web API method, read from Slack's OpenAPI document (swagger 2, frozen 2021).
 * The token parameter is handled by the auth check, never here.
 */
export interface MethodSpec {
  /** Where the table came from: the OpenAPI file, or the built-in fallback when the file is missing. */
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

export function findRepoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

export function defaultSpecPath(): string {
  return path.resolve(findRepoRoot(), '../shared/specs/slack/web-api.openapi.json');
}

interface SwaggerParameter {
  name: string;
  in: string;
  required?: boolean;
}
interface SwaggerDoc {
  paths: Record<string, Record<string, { parameters?: SwaggerParameter[] }>>;
}

const cache = new Map<string, MethodSpec>();

/** Parsed once per process and path (the file is ~1 MB). */
export function loadMethodSpec(specPath: string | false = defaultSpecPath()): MethodSpec {
  const key = specPath === false ? '' : specPath;
  const hit = cache.get(key);
  if (hit) return hit;
  const spec = specPath !== false && existsSync(specPath) ? fromSwagger(specPath) : builtin(key);
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

function fromSwagger(specPath: string): MethodSpec {
  const doc = JSON.parse(readFileSync(specPath, 'utf8')) as SwaggerDoc;
  const required = new Map<string, string[]>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    const method = p.replace(/^\//, '');
    const op = ops['post'] ?? ops['get'] ?? Object.values(ops)[0];
    const names = (op?.parameters ?? []).filter((x) => x.required === true && x.name !== 'token').map((x) => x.name);
    required.set(method, names);
  }
  for (const [method, names] of Object.entries(BUILTIN_REQUIRED)) {
    if (!required.has(method)) required.set(method, names);
  }
  return { source: 'spec', specPath, known: new Set(required.keys()), required };
}
