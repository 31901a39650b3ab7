import { describe, expect, it } from 'vitest';
import { createMetrics, slackErrorLabel } from '../src/metrics.js';

describe('Slack error labels in metrics', () => {
  it('known codes keep their name; HTTP statuses by class; anything else is other', () => {
    expect(slackErrorLabel('ratelimited')).toBe('ratelimited');
    expect(slackErrorLabel('channel_not_found')).toBe('channel_not_found');
    expect(slackErrorLabel('http_503')).toBe('http_5xx');
    expect(slackErrorLabel('request_error: ECONNRESET')).toBe('request_error');
    expect(slackErrorLabel('connect ECONNREFUSED 127.0.0.1:1234')).toBe('other');
    expect(slackErrorLabel('some_new_code_slack_invented')).toBe('other');
  });

  it('the counter never grows a series per remote message', async () => {
    const m = createMetrics();
    for (let i = 0; i < 50; i++) m.slackErrors.inc({ error: `weird_${i}` });
    m.slackErrors.inc({ error: 'ratelimited' });
    const text = await m.registry.getSingleMetricAsString('earshot_slack_errors_total');
    expect(text).toContain('earshot_slack_errors_total{error="other"} 50');
    expect(text).toContain('earshot_slack_errors_total{error="ratelimited"} 1');
    expect(text).not.toContain('weird_');
  });
});
