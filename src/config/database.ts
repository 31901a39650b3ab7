import { z } from 'zod';
import { defineArea } from './area.js';
import { checked, text } from './fields.js';

export interface DatabaseConfig {
  /** postgres:// URL of a server; unset: the embedded database under dataDir. */
  url?: string;
  dataDir: string;
}

/** Connection-string parameters that carry a secret or say where one is (a password, the client key and its passphrase). */
const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'];

/** The password and every secret-bearing parameter of a connection string, for the log scrub. */
export function databaseSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const values = [decodeURIComponent(u.password)];
    for (const [key, value] of u.searchParams) if (SECRET_PARAMS.includes(key.toLowerCase())) values.push(value);
    return values.filter((v) => v.length > 0);
  } catch {
    return [];
  }
}

/** Used by start-up and by `npm run migrate`, so both open the same database. */
export const databaseArea = defineArea({
  schema: z
    .object({
      DATABASE_URL: checked((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// connection string (unset it to use the embedded database)'),
      DATA_DIR: text,
    })
    .transform((e): { database: DatabaseConfig } => ({ database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR ?? './data' } })),
  secrets: ({ database }) => databaseSecrets(database.url),
});
