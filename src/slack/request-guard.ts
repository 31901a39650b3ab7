import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../logger.js';

/** Slack's own requests are a few kB; a modal submission stays well under this. */
export const MAX_SLACK_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads a request for /slack/events before Bolt does (Bolt's receiver reuses a body already read
 * into `rawBody`) and turns away what Bolt would choke on: a body over 2 MB (Bolt buffers any
 * size), and a payload that parses to something other than a JSON object, on which Bolt's receiver
 * throws outside any handler, leaving the request unanswered and the rejection unhandled. Bodies
 * that do not parse at all go on to Bolt, which checks the signature first (401) and answers 400.
 * Slack's real requests take a fast path (no parsing here): this sits in front of every click.
 */
export function guardSlackRequests(listener: RequestListener, logger: Logger): RequestListener {
  return (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_SLACK_BODY_BYTES) {
      req.resume();
      return reject(res, 413);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_SLACK_BODY_BYTES) {
        refused = true;
        reject(res, 413);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (refused) return;
      refused = true;
      logger.warn({ err: err.message }, 'could not read a Slack request');
      reject(res, 400);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (!isObjectPayload(raw, req.headers['content-type'])) {
        logger.warn({ bytes: raw.length }, 'Slack request whose payload is not a JSON object; answered 400');
        return reject(res, 400);
      }
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      listener(req, res);
    });
  };
}

function reject(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status, status === 413 ? { connection: 'close' } : {});
  res.end();
}

const OPEN_BRACE = 0x7b;

/** Parses as Bolt does; true when that yields an object, or fails (Bolt reports that itself). */
function isObjectPayload(raw: Buffer, contentType: string | undefined): boolean {
  if (contentType === 'application/x-www-form-urlencoded') {
    // Interactions: `payload=%7B…` (a JSON object); slash commands: plain fields (an object).
    if (raw.subarray(0, 11).toString('latin1').toLowerCase() === 'payload=%7b' || !raw.includes('payload=')) return true;
  } else {
    let i = 0;
    while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i++;
    if (raw[i] === OPEN_BRACE) return true;
  }
  let body: unknown;
  try {
    const text = raw.toString();
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parseQuery(text);
      body = typeof form.payload === 'string' ? JSON.parse(form.payload) : form;
    } else {
      body = JSON.parse(text);
    }
  } catch {
    return true;
  }
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}
