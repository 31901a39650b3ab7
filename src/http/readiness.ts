import type { webApi } from '@slack/bolt';
import { slackErrorHint } from '../slack/errors.js';
import type { SocketState } from '../slack/socket.js';
import type { ReadinessCheck } from './server.js';

/**
 * `/readyz`'s Slack check: auth.test with the bot token. Required: without a working token the
 * bot can post nothing. A refusal names the error and what to do about it.
 */
export function slackCheck(client: webApi.WebClient): ReadinessCheck {
  return {
    name: 'slack',
    required: true,
    check: async () => {
      try {
        const r = await client.auth.test();
        return { ok: Boolean(r.ok), detail: `team ${r.team ?? '?'} as ${r.user ?? '?'}` };
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        if (!code) throw err;
        const hint = slackErrorHint(code);
        return { ok: false, detail: hint ? `${code}: ${hint}` : code };
      }
    },
  };
}

/**
 * `/readyz`'s Socket Mode check: without the WebSocket link no click, command or Home tab reaches
 * earshot, while the bot token (the `slack` check) may still work.
 */
export function slackSocketCheck(link: { status(): SocketState }): ReadinessCheck {
  return {
    name: 'slack_socket',
    required: true,
    check: () => {
      const s = link.status();
      if (s.connected) return Promise.resolve({ ok: true, detail: `connected since ${s.since.toISOString()}` });
      const why = s.lastError ? `; last attempt: ${s.lastError}` : '';
      return Promise.resolve({ ok: false, detail: `not connected since ${s.since.toISOString()} (${s.attempts} failed attempts${why})` });
    },
  };
}
