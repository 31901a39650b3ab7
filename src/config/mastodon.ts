import { z } from 'zod';
import { defineArea } from './area.js';
import { httpUrl, problem, text, wholeNumber } from './fields.js';

export interface MastodonConfig {
  /** Undefined: Mastodon is off. `url` is the instance's base URL without a trailing slash. */
  account?: { url: string; accessToken: string };
  pollSeconds: number;
}

/** The Mastodon variables on their own, as the source's tests read them. */
export const mastodonEnvSchema = z
  .object({
    MASTODON_URL: httpUrl,
    MASTODON_ACCESS_TOKEN: text,
    MASTODON_POLL_SECONDS: wholeNumber(15, 5, 86_400),
  })
  .superRefine((e, ctx) => {
    if (e.MASTODON_URL && !e.MASTODON_ACCESS_TOKEN) {
      problem(ctx, 'MASTODON_ACCESS_TOKEN', 'required with MASTODON_URL: a token with the read and write scopes (Preferences → Development → New application)');
    }
    if (e.MASTODON_ACCESS_TOKEN && !e.MASTODON_URL) {
      problem(ctx, 'MASTODON_URL', 'required with MASTODON_ACCESS_TOKEN: the brand’s instance, e.g. https://mastodon.social');
    }
  })
  .transform(
    (e): MastodonConfig => ({
      account: e.MASTODON_URL && e.MASTODON_ACCESS_TOKEN ? { url: e.MASTODON_URL.replace(/\/+$/, ''), accessToken: e.MASTODON_ACCESS_TOKEN } : undefined,
      pollSeconds: e.MASTODON_POLL_SECONDS,
    }),
  );

/** Mastodon: the brand's instance and an access token (both, or neither); the token is scrubbed from the log. */
export const mastodonArea = defineArea({
  schema: mastodonEnvSchema.transform((mastodon) => ({ mastodon })),
  secrets: ({ mastodon }) => [mastodon.account?.accessToken],
});
