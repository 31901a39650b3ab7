/**
 * The Mastodon part of the environment: the brand's instance and an access token (both, or
 * neither) and how often to poll. Parsed on its own so the main config can merge it.
 */
import { z } from 'zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

export const mastodonEnvSchema = z
  .object({
    MASTODON_URL: z.preprocess(
      blank,
      z
        .string()
        .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: 'must be the instance’s http(s) base URL, e.g. https://mastodon.social' })
        .optional(),
    ),
    MASTODON_ACCESS_TOKEN: z.preprocess(blank, z.string().optional()),
    MASTODON_POLL_SECONDS: z.preprocess(
      blank,
      z.coerce.number({ message: 'must be a whole number of seconds' }).int('must be a whole number of seconds').min(5, 'must be at least 5').max(86_400, 'must be at most 86400').default(15),
    ),
  })
  .superRefine((e, ctx) => {
    if (e.MASTODON_URL && !e.MASTODON_ACCESS_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['MASTODON_ACCESS_TOKEN'], message: 'required with MASTODON_URL: a token with the read and write scopes (Preferences → Development → New application)' });
    }
    if (e.MASTODON_ACCESS_TOKEN && !e.MASTODON_URL) {
      ctx.addIssue({ code: 'custom', path: ['MASTODON_URL'], message: 'required with MASTODON_ACCESS_TOKEN: the brand’s instance, e.g. https://mastodon.social' });
    }
  })
  .transform((e) => ({
    /** Undefined: Mastodon is off. */
    account: e.MASTODON_URL && e.MASTODON_ACCESS_TOKEN ? { url: e.MASTODON_URL.replace(/\/+$/, ''), accessToken: e.MASTODON_ACCESS_TOKEN } : undefined,
    pollSeconds: e.MASTODON_POLL_SECONDS,
  }));

export type MastodonConfig = z.output<typeof mastodonEnvSchema>;

export const MASTODON_SECRETS = ['MASTODON_ACCESS_TOKEN'] as const;
