/** The Mastodon part of the configuration is read with the rest, in src/config/mastodon.ts. */
export { mastodonEnvSchema, type MastodonConfig } from '../../config/mastodon.js';
