import { sql } from 'kysely';
import type { Executor } from './database.js';

/** Small JSON values kept between runs in `app_state` (the X source's brand id and cursors). */
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
