/** The Bluesky part of the configuration is read with the rest, in src/config/bluesky.ts. */
export { blueskyEnvSchema, type BlueskyConfig } from '../../config/bluesky.js';
