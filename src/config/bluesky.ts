import { z } from 'zod';
import { defineArea } from './area.js';
import { httpUrl, problem, text, wholeNumber } from './fields.js';

export interface BlueskyConfig {
  /** Undefined: Bluesky is off. */
  account?: { handle: string; appPassword: string };
  /** The account's PDS (XRPC base), without a trailing slash. */
  service: string;
  pollSeconds: number;
}

/** The Bluesky variables on their own, as the source's tests read them. */
export const blueskyEnvSchema = z
  .object({
    BLUESKY_HANDLE: text.transform((v) => v?.replace(/^@/, '')),
    BLUESKY_APP_PASSWORD: text,
    BLUESKY_SERVICE: httpUrl,
    BLUESKY_POLL_SECONDS: wholeNumber(15, 5, 86_400),
  })
  .superRefine((e, ctx) => {
    if (e.BLUESKY_HANDLE && !e.BLUESKY_APP_PASSWORD) {
      problem(ctx, 'BLUESKY_APP_PASSWORD', 'required with BLUESKY_HANDLE: an app password (Settings → Privacy and security → App passwords)');
    }
    if (e.BLUESKY_APP_PASSWORD && !e.BLUESKY_HANDLE) {
      problem(ctx, 'BLUESKY_HANDLE', 'required with BLUESKY_APP_PASSWORD: the brand’s handle, e.g. brand.bsky.social');
    }
  })
  .transform(
    (e): BlueskyConfig => ({
      account: e.BLUESKY_HANDLE && e.BLUESKY_APP_PASSWORD ? { handle: e.BLUESKY_HANDLE, appPassword: e.BLUESKY_APP_PASSWORD } : undefined,
      service: (e.BLUESKY_SERVICE ?? 'https://bsky.social').replace(/\/+$/, ''),
      pollSeconds: e.BLUESKY_POLL_SECONDS,
    }),
  );

/** Bluesky: the brand's handle and an app password (both, or neither); the app password is scrubbed from the log. */
export const blueskyArea = defineArea({
  schema: blueskyEnvSchema.transform((bluesky) => ({ bluesky })),
  secrets: ({ bluesky }) => [bluesky.account?.appPassword],
});
