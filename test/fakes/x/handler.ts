/**
 * The fake X's request pipeline, in X's order: route, authentication (bearer for the app, OAuth
 * 1.0a for the user, checked for presence), the endpoint's rate limit, queued faults, parameters
 * and body against the document, then the endpoint. Every request is logged and told to listeners
 * (`request`) once answered.
 */
import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import { httpProblem, invalidRequest, notFoundRoute, tooManyRequests, unauthorized, unsupportedAuthentication } from './errors.js';
import { sendDm } from './dms.js';
import { ROUTES, parseAuthorization, sleep, type Reply, type Route } from './http.js';
import { getUserTweets } from './own-timeline.js';
import { rateHeaders, roll, type XLimits } from './rate-limits.js';
import { listRules, updateRules } from './rules.js';
import { validateBody, validateParams, type LoadedSpec, type XEndpointKey } from './spec.js';
import type { XStore } from './store.js';
import type { XStream } from './stream.js';
import { getMentions, getSearch } from './timelines.js';
import { createTweet } from './tweets.js';
import { getMe, getUserByUsername } from './users.js';

export interface FakeXRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent; 0 while pending or when the connection was dropped by failNext('network'). */
  status: number;
  /** Arrival time, ms since epoch. */
  at: number;
  endpoint?: XEndpointKey;
  auth: 'bearer' | 'oauth1' | 'none' | 'invalid';
  body?: unknown;
}

/** What the pipeline reads and writes of the fake. */
export interface XHandlerHost {
  readonly requests: FakeXRequest[];
  readonly events: EventEmitter;
  readonly bearerTokens: ReadonlySet<string>;
  readonly spec: LoadedSpec;
  readonly queryMaxLength: number;
  readonly mentionsReachable: number;
  latencyMs(): number;
  readonly limits: XLimits;
  readonly stream: XStream;
  readonly store: XStore;
}

function send(host: XHandlerHost, res: http.ServerResponse, entry: FakeXRequest, reply: Reply): void {
  entry.status = reply.status;
  const json = JSON.stringify(reply.body);
  const problem = reply.status >= 400;
  res.writeHead(reply.status, {
    'content-type': problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
    ...reply.headers,
  });
  res.end(json);
  host.events.emit('request', entry);
}

export async function handleXRequest(host: XHandlerHost, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake-x.local');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = parseAuthorization(req.headers.authorization);
  const entry: FakeXRequest = {
    method,
    path: url.pathname,
    query,
    status: 0,
    at: host.limits.now(),
    auth: auth.kind,
  };
  host.requests.push(entry);

  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');

  const latencyMs = host.latencyMs();
  if (latencyMs > 0) await sleep(latencyMs);

  let route: Route | undefined;
  let captures: string[] = [];
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(url.pathname);
    if (m) {
      route = r;
      captures = m.slice(1).map((c) => decodeURIComponent(c ?? ''));
      break;
    }
  }
  if (!route) {
    send(host, res, entry, notFoundRoute());
    return;
  }
  entry.endpoint = route.key;
  const pathParams: Record<string, string> = {};
  route.names.forEach((name, i) => {
    pathParams[name] = captures[i] ?? '';
  });

  // Authentication
  let principal: 'app' | 'user';
  if (auth.kind === 'bearer' && host.bearerTokens.has(auth.token)) {
    principal = 'app';
  } else if (auth.kind === 'oauth1' && auth.params.oauth_consumer_key && auth.params.oauth_token && auth.params.oauth_signature) {
    principal = 'user';
  } else {
    if (auth.kind === 'bearer' || auth.kind === 'oauth1') entry.auth = 'invalid';
    send(host, res, entry, unauthorized());
    return;
  }
  if (route.auth !== 'any' && route.auth !== principal) {
    send(host, res, entry, unsupportedAuthentication(principal));
    return;
  }

  // Rate limit: every authenticated request counts
  const bucket = host.limits.bucket(route.key);
  roll(bucket, host.limits.now());
  if (bucket.remaining <= 0) {
    send(host, res, entry, { ...tooManyRequests(), headers: rateHeaders(bucket) });
    return;
  }
  bucket.remaining -= 1;
  const headers = rateHeaders(bucket);

  // Injected faults
  const failure = host.limits.takeFailure(route.key);
  if (failure !== undefined) {
    if (failure === 'network') {
      entry.status = 0;
      req.socket.destroy();
      host.events.emit('request', entry);
      return;
    }
    send(host, res, entry, { ...httpProblem(failure), headers });
    return;
  }

  // Parameters
  const spec = host.spec.endpoints[route.key];
  const paramErrors = validateParams(spec, query, pathParams, {
    query: { maxLength: host.queryMaxLength },
  });
  if (paramErrors.length > 0) {
    send(host, res, entry, { ...invalidRequest(paramErrors), headers });
    return;
  }

  let body: unknown;
  if (method === 'POST') {
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      send(host, res, entry, { ...invalidRequest([{ message: 'Request body is not valid JSON.' }]), headers });
      return;
    }
    entry.body = body;
    if (body === undefined) {
      send(host, res, entry, { ...invalidRequest([{ message: 'Request body is required.' }]), headers });
      return;
    }
    const bodyErrors = validateBody(spec.body, body);
    if (bodyErrors.length > 0) {
      send(host, res, entry, { ...invalidRequest(bodyErrors.map((message) => ({ message }))), headers });
      return;
    }
  }

  if (route.key === 'stream') {
    const refused = host.stream.open(res, query, headers);
    if (refused) {
      send(host, res, entry, refused);
      return;
    }
    entry.status = 200;
    host.events.emit('request', entry);
    host.stream.announce();
    return;
  }
  const reply = dispatch(host, route.key, query, pathParams, body as Record<string, unknown> | undefined);
  send(host, res, entry, { ...reply, headers: { ...headers, ...reply.headers } });
}

function dispatch(
  host: XHandlerHost,
  key: Exclude<XEndpointKey, 'stream'>,
  query: Record<string, string>,
  pathParams: Record<string, string>,
  body: Record<string, unknown> | undefined,
): Reply {
  const { store } = host;
  switch (key) {
    case 'userByUsername':
      return getUserByUsername(store, pathParams.username ?? '', query);
    case 'me':
      return getMe(store, query);
    case 'mentions':
      return getMentions(store, host.mentionsReachable, pathParams.id ?? '', query);
    case 'userTweets':
      return getUserTweets(store.ownTimeline, pathParams.id ?? '', query);
    case 'search':
      return getSearch(store, query);
    case 'rules':
      return listRules(store.rules, query);
    case 'rulesUpdate':
      return updateRules(store, query, body ?? {}, { maxLength: host.queryMaxLength, nextId: () => store.ids.next() });
    case 'tweet':
      return createTweet(store, body ?? {}, (record) => host.events.emit('tweet', record));
    case 'dm':
      return sendDm(store, pathParams.participant_id ?? '', body ?? {}, (dm) => host.events.emit('dm', dm));
    default: {
      const never: never = key;
      throw new Error(`unhandled endpoint ${String(never)}`);
    }
  }
}
