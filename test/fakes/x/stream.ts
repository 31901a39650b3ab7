/**
 * `GET /2/tweets/search/stream` of the fake X: one connection at a time (a second one is refused
 * with 429 TooManyConnections), a `\r\n` keep-alive every `heartbeatMs`, and every new post that
 * matches a rule pushed as one JSON line with its `matching_rules`.
 */
import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import { tooManyConnections } from './errors.js';
import { fieldSelection, renderPosts, type FakeXPost, type FieldSelection } from './model.js';
import { compileQuery, matches } from './query.js';
import type { Reply } from './http.js';
import type { XStore } from './store.js';

interface StreamConnection {
  id: number;
  res: http.ServerResponse;
  fields: FieldSelection;
  heartbeat: NodeJS.Timeout;
  connectedAt: number;
}

export class XStream {
  /** How many times the stream was (re)connected since the last reset. */
  connects = 0;
  private conn?: StreamConnection;
  private nextId = 1;

  /** `events` is told `streamConnected` and `streamDisconnected` with the connection's id. */
  constructor(
    private readonly store: XStore,
    private readonly events: EventEmitter,
    private readonly heartbeatMs: number,
  ) {}

  get connected(): boolean {
    return this.conn !== undefined;
  }

  /** Takes the response as the stream; the refusal to send instead when one is open already. */
  open(res: http.ServerResponse, query: Record<string, string>, headers: Record<string, string>): Reply | undefined {
    if (this.conn) return { ...tooManyConnections(), headers };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.flushHeaders();
    const conn: StreamConnection = {
      id: this.nextId++,
      res,
      fields: fieldSelection(query),
      heartbeat: setInterval(() => {
        if (!res.destroyed) res.write('\r\n');
      }, this.heartbeatMs),
      connectedAt: Date.now(),
    };
    conn.heartbeat.unref();
    this.conn = conn;
    this.connects += 1;
    const onGone = (): void => {
      if (this.conn === conn) this.close(conn);
    };
    // Only the response: on Node >= 16 `req` emits 'close' as soon as its (empty) body is read.
    res.on('close', onGone);
    return undefined;
  }

  /** Told once the request is logged: the connection is open. */
  announce(): void {
    if (this.conn) this.events.emit('streamConnected', this.conn.id);
  }

  /** Destroys the connection (the client sees a disconnect). Returns whether one was open. */
  drop(): boolean {
    const conn = this.conn;
    if (!conn) return false;
    this.close(conn);
    conn.res.destroy();
    return true;
  }

  /** Resolves once a connection is open (at once if one is). */
  waitFor(timeoutMs: number): Promise<void> {
    if (this.conn) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('streamConnected', onConnect);
        reject(new Error(`no stream connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.once('streamConnected', onConnect);
    });
  }

  push(post: FakeXPost): void {
    const conn = this.conn;
    if (!conn || post.deleted || conn.res.destroyed) return;
    const matchable = this.store.matchable(post);
    const matched = this.store.rules.filter((r) => matches(compileQuery(r.value), matchable));
    if (matched.length === 0) return;
    const rendered = renderPosts([post], conn.fields, this.store.lookup);
    const payload: Record<string, unknown> = { data: rendered.data[0] };
    if (rendered.includes) payload.includes = rendered.includes;
    payload.matching_rules = matched.map((r) => ({ id: r.id, ...(r.tag !== undefined ? { tag: r.tag } : {}) }));
    this.store.countServed(rendered.servedIds);
    conn.res.write(`${JSON.stringify(payload)}\r\n`);
  }

  private close(conn: StreamConnection): void {
    clearInterval(conn.heartbeat);
    if (this.conn === conn) {
      this.conn = undefined;
      this.events.emit('streamDisconnected', conn.id);
    }
  }
}
