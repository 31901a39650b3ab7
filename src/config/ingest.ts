import { z } from 'zod';
import { defineArea } from './area.js';
import { checked } from './fields.js';

export interface IngestConfig {
  /** Enables POST /ingest/mentions. */
  webhookSecret?: string;
  /** Webhook sources counted under their own metric label (INGEST_SOURCES); the native ones always are. */
  sources: string[];
}

export const ingestArea = defineArea({
  schema: z
    .object({
      INGEST_WEBHOOK_SECRET: checked((v) => v.length >= 16, 'must be at least 16 characters (use a long random string, e.g. `openssl rand -hex 32`)'),
      // Webhook sources that get their own metric label; any other source is counted as "other".
      INGEST_SOURCES: checked(
        (v) => v.split(',').every((x) => /^[a-z0-9_.-]{1,40}$/i.test(x.trim())),
        'must be a comma-separated list of source names (letters, digits, _ . -), e.g. "facebook,instagram"',
      ),
    })
    .transform((e): { ingest: IngestConfig } => ({
      ingest: {
        webhookSecret: e.INGEST_WEBHOOK_SECRET,
        sources: (e.INGEST_SOURCES ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean),
      },
    })),
  secrets: ({ ingest }) => [ingest.webhookSecret],
});
