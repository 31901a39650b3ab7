/** The `app_state` keys the X source keeps between runs (read and written through db/app-state.ts). */
export const X_STATE_KEY = {
  brand: 'x:brand',
  mentionsCursor: (brandId: string) => `x:cursor:mentions:${brandId}`,
  searchCursor: (queryHash: string) => `x:cursor:search:${queryHash}`,
  ownCursor: (brandId: string) => `x:cursor:own:${brandId}`,
} as const;
