/**
 * The facts the fakes take from Slack's and X's API documents (required and known arguments,
 * parameter types and limits, body shapes), extracted by `npm run fakes:refresh` into the
 * committed api-facts.json so the fakes behave the same on a fresh clone as beside the documents.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EndpointSpec, XEndpointKey } from './x/spec.js';

export interface ApiFacts {
  /** Where each part came from: the document's file name and its sha256, to tell a stale table. */
  sources: Record<string, { document: string; sha256: string }>;
  slack?: {
    /** Every Web API method of the document, with its required arguments (token excluded). */
    required: Record<string, string[]>;
  };
  x?: {
    /** The endpoints the fake serves, as the document describes them (before the built-in merge). */
    endpoints: Partial<Record<XEndpointKey, EndpointSpec>>;
  };
}

// Beside this module; compiled into dist/test/fakes/ (the demo in the image) the JSON stays in the source tree.
const beside = fileURLToPath(new URL('./api-facts.json', import.meta.url));
export const FACTS_PATH = existsSync(beside) ? beside : fileURLToPath(new URL('../../../test/fakes/api-facts.json', import.meta.url));

const cache = new Map<string, ApiFacts | undefined>();

/** The table at `path` (undefined when missing), parsed once per process. */
export function readFacts(path: string = FACTS_PATH): ApiFacts | undefined {
  if (!cache.has(path)) cache.set(path, existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ApiFacts) : undefined);
  return cache.get(path);
}
