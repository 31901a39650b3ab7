import { z } from 'zod';
import { defineArea } from './area.js';
import { checked } from './fields.js';

export interface IngestConfig {
  /** Enables POST /ingest/mentions. */
  webhookSecret?: string;
}

export const ingestArea = defineArea({
  schema: z
    .object({
      INGEST_WEBHOOK_SECRET: checked((v) => v.length >= 16, 'must be at least 16 characters (use a long random string, e.g. `openssl rand -hex 32`)'),
    })
    .transform((e): { ingest: IngestConfig } => ({ ingest: { webhookSecret: e.INGEST_WEBHOOK_SECRET } })),
  secrets: ({ ingest }) => [ingest.webhookSecret],
});
