/**
 * The Bluesky part of the environment: the brand's handle and an app password (both, or
 * neither), the service to log in to and how often to poll. Parsed on its own so the main
 * config can merge it; problems carry the variable's name like the rest of the config.
 */
import { z } from 'zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

export const blueskyEnvSchema = z
  .object({
    BLUESKY_HANDLE: z.preprocess(blank, z.string().optional()),
    BLUESKY_APP_PASSWORD: z.preprocess(blank, z.string().optional()),
    BLUESKY_SERVICE: z.preprocess(
      blank,
      z
        .string()
        .default('https://bsky.social')
        .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: 'must be an http(s) URL, e.g. https://bsky.social' }),
    ),
    BLUESKY_POLL_SECONDS: z.preprocess(
      blank,
      z.coerce.number({ message: 'must be a whole number of seconds' }).int('must be a whole number of seconds').min(5, 'must be at least 5').max(86_400, 'must be at most 86400').default(15),
    ),
  })
  .superRefine((e, ctx) => {
    if (e.BLUESKY_HANDLE && !e.BLUESKY_APP_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['BLUESKY_APP_PASSWORD'], message: 'required with BLUESKY_HANDLE: an app password (Settings → Privacy and security → App passwords)' });
    }
    if (e.BLUESKY_APP_PASSWORD && !e.BLUESKY_HANDLE) {
      ctx.addIssue({ code: 'custom', path: ['BLUESKY_HANDLE'], message: 'required with BLUESKY_APP_PASSWORD: the brand’s handle, e.g. brand.bsky.social' });
    }
  })
  .transform((e) => ({
    /** Undefined: Bluesky is off. */
    account: e.BLUESKY_HANDLE && e.BLUESKY_APP_PASSWORD ? { handle: e.BLUESKY_HANDLE.replace(/^@/, ''), appPassword: e.BLUESKY_APP_PASSWORD } : undefined,
    service: e.BLUESKY_SERVICE.replace(/\/+$/, ''),
    pollSeconds: e.BLUESKY_POLL_SECONDS,
  }));

export type BlueskyConfig = z.output<typeof blueskyEnvSchema>;

/** Names of the secret values, for the config's redaction list. */
export const BLUESKY_SECRETS = ['BLUESKY_APP_PASSWORD'] as const;
