import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/slack/socket.js';

describe('what a failed Socket Mode attempt says', () => {
  it('a link closed before hello (the library rejects with nothing)', () => {
    expect(explain(undefined)).toBe('the WebSocket link failed: closed before hello');
  });

  it('a refused app token names SLACK_APP_TOKEN and what to do', () => {
    const err = { code: webApi.ErrorCode.PlatformError, data: { ok: false, error: 'invalid_auth' } };
    expect(explain(err)).toMatch(/^apps\.connections\.open refused the app token \(invalid_auth\): SLACK_APP_TOKEN is wrong or revoked/);
  });

  it('an HTTP error and a network error', () => {
    expect(explain({ code: webApi.ErrorCode.HTTPError, statusCode: 503 })).toBe('apps.connections.open answered HTTP 503 (Slack is having trouble)');
    expect(explain({ code: webApi.ErrorCode.RequestError, original: { message: 'connect ECONNREFUSED 127.0.0.1:9' } })).toBe(
      'apps.connections.open unreachable: connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});
