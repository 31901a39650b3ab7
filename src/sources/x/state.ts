import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

/** Small JSON values the X source keeps between runs (brand id, cursors) in `app_state`. */
export async function readState<T>(db: Executor, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('app_state').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  return (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as T;
}

export async function writeState(db: Executor, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('app_state')
    .values({ key, value: json })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: sql`now()` }))
    .execute();
}

export const X_STATE_KEY = {
  brand: 'x:brand',
  mentionsCursor: (brandId: string) => `x:cursor:mentions:${brandId}`,
  searchCursor: (queryHash: string) => `x:cursor:search:${queryHash}`,
  ownCursor: (brandId: string) => `x:cursor:own:${brandId}`,
} as const;
