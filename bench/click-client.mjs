// Fires signed Slack requests at the app from a separate process, so the app's own work does not
// slow the measuring client. Input on IPC: { url, warmUrl, requests: [{ body, headers }] }.
// A warm-up round opens (keep-alive) connections and loads fetch first, so the figure is the
// app's time to answer, not this process's start-up or TCP handshakes.
process.on('message', async ({ url, warmUrl, requests }) => {
  if (warmUrl) {
    for (let round = 0; round < 2; round++) {
      await Promise.all(requests.map(() => fetch(warmUrl).then((r) => r.arrayBuffer())));
    }
  }
  const ms = await Promise.all(
    requests.map(async ({ body, headers }) => {
      const t0 = performance.now();
      const r = await fetch(url, { method: 'POST', body, headers });
      await r.arrayBuffer();
      const dt = performance.now() - t0;
      return r.status === 200 ? dt : -r.status;
    }),
  );
  process.send(ms, () => process.exit(0));
});
