import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { baseEnv, configProblems } from './support/config.js';

const base = baseEnv;
const problems = configProblems;

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig(base);
    expect(c.slack.mode).toBe('socket');
    expect(c.slack.escalationChannel).toBe('C0123ABCD');
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({ url: undefined, dataDir: './data' });
    expect(c.x.pollSeconds).toBe(60);
    expect(c.x.apiUrl).toBe('https://api.x.com');
    expect(c.sla).toMatchObject({ firstResponseMinutes: 60, warnMinutes: 45, sweepCron: '* * * * *' });
    expect(c.logLevel).toBe('info');
  });

  it('lists every problem at once, each with what to set', () => {
    const p = problems({ SLACK_BOT_TOKEN: 'xoxp-user', SLACK_TRIAGE_CHANNEL: '#social', PORT: 'eighty', X_BEARER_TOKEN: 'b', SLA_WARN_MINUTES: '90' });
    const text = p.join('\n');
    expect(text).toMatch(/SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/);
    expect(text).toMatch(/SLACK_TRIAGE_CHANNEL: must be a channel id/);
    expect(text).toMatch(/PORT: must be a whole number/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET: required in HTTP mode/);
    expect(text).toMatch(/X_BRAND_USERNAME: required when X_BEARER_TOKEN is set/);
    expect(text).toMatch(/SLA_WARN_MINUTES: must be less than SLA_FIRST_RESPONSE_MINUTES/);
    expect(p.length).toBeGreaterThanOrEqual(6);
  });

  it('names missing required variables and how to get them', () => {
    const p = problems({});
    expect(p.join('\n')).toMatch(/SLACK_BOT_TOKEN: required: the bot token/);
    expect(p.join('\n')).toMatch(/SLACK_TRIAGE_CHANNEL: required/);
  });

  it('wants all four X user credentials or none', () => {
    expect(problems({ ...base, X_API_KEY: 'k', X_ACCESS_TOKEN: 't' }).join()).toMatch(/X_API_SECRET, X_ACCESS_SECRET: required together/);
    const c = parseConfig({ ...base, X_API_KEY: 'key123', X_API_SECRET: 'secret123', X_ACCESS_TOKEN: 'token123', X_ACCESS_SECRET: 'asecret123' });
    expect(c.x.user).toEqual({ appKey: 'key123', appSecret: 'secret123', accessToken: 'token123', accessSecret: 'asecret123' });
  });

  it('collects secret values for the logger to scrub, including a database password', () => {
    const c = parseConfig({ ...base, DATABASE_URL: 'postgres://u:hunter2hunter2@db:5432/e', INGEST_WEBHOOK_SECRET: 'w'.repeat(20) });
    expect(c.secrets).toEqual(expect.arrayContaining(['xoxb-1-abcdef', 'xapp-1-abcdef', 'hunter2hunter2', 'w'.repeat(20)]));
  });

  it('rejects a malformed cron and a short webhook secret', () => {
    const p = problems({ ...base, SLA_SWEEP_CRON: 'every minute', INGEST_WEBHOOK_SECRET: 'short' });
    expect(p.join('\n')).toMatch(/SLA_SWEEP_CRON: must be a cron expression/);
    expect(p.join('\n')).toMatch(/INGEST_WEBHOOK_SECRET: must be at least 16 characters/);
  });

  it('lists a bad X_API_URL with the other problems, and strips trailing slashes from a good one', () => {
    const p = problems({ ...base, X_API_URL: 'http://127.0.0.1:9001/2/', PORT: 'eighty', SLA_WARN_MINUTES: '90' }).join('\n');
    expect(p).toMatch(/X_API_URL: must be scheme, host and port only, without a path/);
    expect(p).toMatch(/PORT: must be a whole number/);
    expect(p).toMatch(/SLA_WARN_MINUTES: must be less than SLA_FIRST_RESPONSE_MINUTES/);
    expect(problems({ ...base, X_API_URL: 'ftp://x.example' }).join()).toMatch(/X_API_URL: must be an http\(s\) URL/);
    expect(parseConfig({ ...base, X_API_URL: 'http://127.0.0.1:9001/' }).x.apiUrl).toBe('http://127.0.0.1:9001');
  });

  it('runs each area’s cross-field rules even when another of its variables is bad', () => {
    const p = problems({ ...base, SLA_REPEAT_MINUTES: '0', SLA_WARN_MINUTES: '90', PRIORITY_HIGH_AT: '99', PRIORITY_NEGATIVE_AT: '0.5' }).join('\n');
    expect(p).toMatch(/SLA_REPEAT_MINUTES: must be a whole number/);
    expect(p).toMatch(/SLA_WARN_MINUTES: must be less than/);
    expect(p).toMatch(/PRIORITY_HIGH_AT: must be a whole number/);
    expect(p).toMatch(/strong negative ≤ negative < positive/);
  });

  it('scrubs secret-bearing connection parameters of DATABASE_URL, not just its password', () => {
    const c = parseConfig({ ...base, DATABASE_URL: 'postgres://u@db:5432/e?password=secret&sslpassword=keypass123&sslmode=require' });
    expect(c.secrets).toEqual(expect.arrayContaining(['secret', 'keypass123']));
    expect(c.secrets).not.toContain('require');
  });
});
