// A lean load generator for Slack-style clicks, run in its own process so the app's work does not
// slow it. It opens one keep-alive connection per request, warms each with GET /healthz, then
// writes every pre-serialised request at once and times each until its response headers arrive:
// the app's time to ack, without fetch/undici overhead or TCP handshakes in the figure.
// IPC input: { url, warmPath, requests: [{ body, headers }] } → output: ms per request
// (negative = HTTP status other than 200).
import net from 'node:net';

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  });
}

function exchange(socket, raw) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t0 = performance.now();
    const onData = (chunk) => {
      buf += chunk.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = buf.slice(0, end);
      const length = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      const status = Number(headers.slice(9, 12));
      resolve(status === 200 ? performance.now() - t0 : -status);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(raw);
  });
}

process.on('message', async ({ url, warmPath, requests }) => {
  const u = new URL(url);
  const sockets = await Promise.all(requests.map(() => connect(u.hostname, Number(u.port))));
  const warm = `GET ${warmPath ?? '/healthz'} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: keep-alive\r\n\r\n`;
  await Promise.all(sockets.map((s) => exchange(s, warm)));
  const raws = requests.map(({ body, headers }) => {
    const lines = [`POST ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, 'Connection: keep-alive', `Content-Length: ${Buffer.byteLength(body)}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
  const ms = await Promise.all(sockets.map((s, i) => exchange(s, raws[i])));
  for (const s of sockets) s.destroy();
  process.send(ms, () => process.exit(0));
});
