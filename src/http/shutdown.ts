import type { Server } from 'node:http';

/**
 * Stops accepting connections and resolves once the requests in progress have been answered.
 * Keep-alive connections (a load balancer's, Slack's) are closed as soon as they fall idle; any
 * still open after `graceMs` are cut so a shutdown never hangs on a client that keeps one open.
 */
export function closeHttpServer(server: Server, graceMs = 8_000): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
