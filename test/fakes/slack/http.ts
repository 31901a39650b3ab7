import type { IncomingMessage, ServerResponse } from 'node:http';

export type Args = Record<string, unknown>;

/** Fields that @slack/web-api JSON-encodes inside a form body; decoded once so handlers and the call log see objects. */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata', 'view', 'files', 'user_auth_blocks'];

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Minimal multipart/form-data parser: enough for form-data's output (what @slack/web-api sends with Buffers). */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      parts.push({ name, ...(filename !== undefined ? { filename } : {}), data: part.subarray(headerEnd + 4) });
    }
    pos = next;
  }
  return parts;
}

export type ParsedArgs = { ok: true; args: Args } | { ok: false; error: string };

/** Parses a Web API request body the way Slack does: form, JSON or multipart; the query string is merged in. */
export function parseArgs(body: Buffer, contentType: string | undefined, query: URLSearchParams): ParsedArgs {
  const args: Args = {};
  for (const [k, v] of query) args[k] = v;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (body.length > 0) {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return { ok: false, error: 'invalid_json' };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, error: 'json_not_object' };
      Object.assign(args, parsed);
    } else if (type === 'multipart/form-data') {
      for (const p of parseMultipart(body, contentType ?? '')) args[p.name] = p.filename !== undefined ? p.data : p.data.toString('utf8');
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) args[k] = v;
    }
  }
  for (const f of JSON_FIELDS) {
    const v = args[f];
    if (typeof v === 'string' && v.length > 0) {
      try {
        args[f] = JSON.parse(v);
      } catch {
        // left as a string: the handler answers with the method's own format error
      }
    }
  }
  return { ok: true, args };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Slack's own 5xx pages are HTML, not JSON. */
export function sendServerError(res: ServerResponse, status: number): void {
  sendText(res, status, `<html><body><h1>${status} Server Error</h1><p>fake slack: injected fault</p></body></html>`, 'text/html; charset=utf-8');
}

// ---- argument helpers (form values arrive as strings, JSON bodies as real types) ----

export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  return s === '' ? undefined : s;
}

export function bool(args: Args, key: string): boolean {
  const v = args[key];
  return v === true || v === 1 || v === 'true' || v === '1';
}

export function int(args: Args, key: string): number | undefined {
  const v = args[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}
