import { describe, expect, it } from 'vitest';
import { parseLink } from '../../../src/sources/mastodon/client.js';
import { mastodonEnvSchema } from '../../../src/sources/mastodon/config.js';
import { compareIds, countCharacters, htmlToText } from '../../../src/sources/mastodon/normalise.js';

describe('Mastodon config', () => {
  it('is off without credentials and needs both the URL and the token', () => {
    expect(mastodonEnvSchema.parse({})).toEqual({ account: undefined, pollSeconds: 15 });
    const r = mastodonEnvSchema.safeParse({ MASTODON_ACCESS_TOKEN: 'secret-token' });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['MASTODON_URL']);
    expect(JSON.stringify(r.error?.issues)).not.toContain('secret-token');
    expect(mastodonEnvSchema.parse({ MASTODON_URL: 'https://mastodon.example/', MASTODON_ACCESS_TOKEN: 't', MASTODON_POLL_SECONDS: '60' })).toEqual({
      account: { url: 'https://mastodon.example', accessToken: 't' },
      pollSeconds: 60,
    });
  });
  it('refuses a URL without a scheme', () => {
    expect(mastodonEnvSchema.safeParse({ MASTODON_URL: 'mastodon.example', MASTODON_ACCESS_TOKEN: 't' }).error?.issues[0]?.path).toEqual(['MASTODON_URL']);
  });
});

describe('Mastodon helpers', () => {
  it('turns status HTML into the text as written', () => {
    expect(htmlToText('<p><span class="h-card"><a href="https://x/@brand" class="u-url mention">@<span>brand</span></a></span> 1 &lt; 2 &amp; <b>bold</b>?<br />next</p><p>para &#128077;</p>')).toBe('@brand 1 < 2 & bold?\nnext\n\npara 👍');
  });
  it('counts a link as 23 characters and a remote mention by its local part', () => {
    expect(countCharacters('@jane@other.example see https://example.com/a/very/long/path/indeed')).toBe('@jane see '.length + 23);
  });
  it('reads the ids to page with from a Link header', () => {
    expect(parseLink('<https://m.example/api/v1/notifications?max_id=105>; rel="next", <https://m.example/api/v1/notifications?min_id=110>; rel="prev"')).toEqual({ next: '105', prev: '110' });
    expect(parseLink(null)).toEqual({});
  });
  it('compares snowflake ids numerically', () => {
    expect(compareIds('99', '100')).toBeLessThan(0);
    expect(compareIds('110000000000000001', '110000000000000002')).toBeLessThan(0);
  });
});
