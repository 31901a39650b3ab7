import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

/** Slack's own requests are a few kB; a modal submission stays well under this. */
export const MAX_SLACK_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads a request for /slack/events into one buffer and calls `done` with it, or answers the
 * request itself and never calls `done`: 413 for a body over 2 MB (declared or streamed; Bolt's
 * own receiver buffers any size), 400 when the stream fails. Plain stream events, no promise per
 * chunk: this sits in front of every click.
 */
export function readSlackBody(req: IncomingMessage, res: ServerResponse, logger: Logger, done: (raw: Buffer) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_SLACK_BODY_BYTES) {
    req.resume();
    return answerEmpty(res, 413);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > MAX_SLACK_BODY_BYTES) {
      refused = true;
      answerEmpty(res, 413);
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', (err) => {
    if (refused) return;
    refused = true;
    logger.warn({ err: err.message }, 'could not read a Slack request');
    answerEmpty(res, 400);
  });
  req.on('end', () => {
    if (refused) return;
    done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

/** An answer without a body (a refused request closes its connection: the rest of its body is not read). */
export function answerEmpty(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status, status === 413 ? { connection: 'close' } : {});
  res.end();
}
