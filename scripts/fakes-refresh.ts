/**
 * Extracts the facts the fakes use from Slack's Web API and X's API v2 OpenAPI documents into the
 * committed table test/fakes/api-facts.json, so no test reads the documents themselves.
 *
 *   npm run fakes:refresh              rewrite the table from ../shared/specs/
 *   npm run fakes:refresh -- --check   exit 1 if the table is not what the documents give
 *   --specs DIR                        read the documents from DIR instead
 *
 * Without the documents it says so and exits 0 (nothing to compare with).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiFacts } from '../test/fakes/facts.js';
import { FACTS_PATH } from '../test/fakes/facts.js';
import { SPEC_OPERATIONS, X_ENDPOINT_KEYS, type BodySchema, type EndpointSpec, type ParamRule, type XEndpointKey } from '../test/fakes/x/spec.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SLACK_DOC = 'slack/web-api.openapi.json';
const X_DOC = 'x/openapi.json';

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

// ---- Slack (swagger 2): required arguments of every method ----

interface SwaggerParameter {
  name: string;
  in: string;
  required?: boolean;
}
interface SwaggerDoc {
  paths: Record<string, Record<string, { parameters?: SwaggerParameter[] }>>;
}

function slackFacts(doc: SwaggerDoc): Record<string, string[]> {
  const required: Record<string, string[]> = {};
  for (const p of Object.keys(doc.paths).sort()) {
    const ops = doc.paths[p]!;
    const op = ops['post'] ?? ops['get'] ?? Object.values(ops)[0];
    required[p.replace(/^\//, '')] = (op?.parameters ?? []).filter((x) => x.required === true && x.name !== 'token').map((x) => x.name);
  }
  return required;
}

function xFacts(doc: JsonObject): Partial<Record<XEndpointKey, EndpointSpec>> {
  const endpoints: Partial<Record<XEndpointKey, EndpointSpec>> = {};
  for (const key of X_ENDPOINT_KEYS) {
    const spec = endpointFromSpec(doc, key);
    if (spec) endpoints[key] = spec;
  }
  return endpoints;
}

// ---- main ----

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const at = argv.indexOf('--specs');
  const specs = at >= 0 && argv[at + 1] ? path.resolve(argv[at + 1]!) : path.resolve(ROOT, '../shared/specs');
  const slackPath = path.join(specs, SLACK_DOC);
  const xPath = path.join(specs, X_DOC);
  if (!existsSync(slackPath) || !existsSync(xPath)) {
    console.log(`fakes:refresh: no API documents at ${specs} (${SLACK_DOC}, ${X_DOC}); the committed table stays as it is`);
    return 0;
  }
  const slackRaw = readFileSync(slackPath, 'utf8');
  const xRaw = readFileSync(xPath, 'utf8');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const facts: ApiFacts = {
    sources: { slack: { document: SLACK_DOC, sha256: sha(slackRaw) }, x: { document: X_DOC, sha256: sha(xRaw) } },
    slack: { required: slackFacts(JSON.parse(slackRaw) as SwaggerDoc) },
    x: { endpoints: xFacts(JSON.parse(xRaw) as JsonObject) },
  };
  const text = `${JSON.stringify(facts, null, 1)}\n`;
  const rel = path.relative(ROOT, FACTS_PATH);
  if (check) {
    const current = existsSync(FACTS_PATH) ? readFileSync(FACTS_PATH, 'utf8') : '';
    if (current === text) {
      console.log(`fakes:refresh: ${rel} is current`);
      return 0;
    }
    console.error(`fakes:refresh: ${rel} is stale (the API documents changed, or it was edited by hand): run npm run fakes:refresh and commit it`);
    return 1;
  }
  writeFileSync(FACTS_PATH, text);
  console.log(`fakes:refresh: wrote ${rel} (${Object.keys(facts.slack!.required).length} Slack methods, ${Object.keys(facts.x!.endpoints).length} X endpoints)`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
