// A lean HTTP load generator for webhook batches, run in its own process so the app's work does
// not slow it. `concurrency` keep-alive connections each send the next pre-serialised request as
// soon as the previous answer is in; the wall time runs from the first request to the last answer.
// IPC input: { url, concurrency, requests: [{ path, body, headers }] }
// output: { wallMs, results: [{ status, ms, body }] } (status 0 = connection error).
import http from 'node:http';

process.on('message', async ({ url, concurrency, requests }) => {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (r) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request(
        { host: u.hostname, port: Number(u.port), path: r.path, method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: body.slice(0, 500) }));
        },
      );
      req.on('error', (err) => resolve({ status: 0, ms: performance.now() - t0, body: String(err && err.message) }));
      req.end(r.body);
    });
  // Open the connections before the clock starts.
  await Promise.all(
    Array.from({ length: concurrency }, () => new Promise((resolve) => http.get({ host: u.hostname, port: Number(u.port), path: '/healthz', agent }, (res) => res.resume().on('end', resolve)).on('error', resolve))),
  );
  const results = new Array(requests.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const i = next++;
        results[i] = await send(requests[i]);
      }
    }),
  );
  const wallMs = performance.now() - started;
  agent.destroy();
  process.send({ wallMs, results }, () => process.exit(0));
});
