/**
 * The unauthenticated probes (/readyz, /metrics) run database queries and a Slack call. Anyone who
 * can reach the port could make them run on every request; instead one answer serves every
 * request for `ttlMs`, and requests arriving while it is being computed share that computation.
 * A failed computation is not kept past its own flight: the next request tries again.
 */
export function cachedFor<T>(ttlMs: number, load: () => Promise<T>, keep: (result: T) => boolean = () => true): () => Promise<T> {
  let value: { at: number; result: T } | undefined;
  let flight: Promise<T> | undefined;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return Promise.resolve(value.result);
    if (flight) return flight;
    const started = Date.now();
    flight = load().then(
      (result) => {
        if (ttlMs > 0 && keep(result)) value = { at: started, result };
        flight = undefined;
        return result;
      },
      (err: unknown) => {
        flight = undefined;
        throw err;
      },
    );
    return flight;
  };
}
