/**
 * Dead hosts are dead once: a host whose name does not resolve or that refuses connections is given up by the
 * shared client after its first answer (and the configured retries), so its other URLs are not requested, and
 * broken-links reports one finding per host and error kind carrying all its URLs.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../../checks/broken-links.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { serve, type Served } from '../fixtures/site.js';

const DEAD = 'share.widget.invalid';
let site: Served;
let closedPort = 0;
beforeAll(async () => {
  site = await serve(new Map([['/ok.png', { headers: { 'content-type': 'image/png' }, body: 'png' }]]));
  // A loopback port nothing listens on: bound once to learn a free number, then closed.
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closedPort = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
});
afterAll(() => site.close());

const config = loadConfig();

describe('dead hosts', () => {
  it('500 links to a name that does not resolve and 200 to a refused port: one finding per host, a few attempts, seconds', async () => {
    const dead = Array.from({ length: 500 }, (_, i) => `http://${DEAD}/share?u=${i}`);
    const refused = Array.from({ length: 200 }, (_, i) => `http://127.0.0.1:${closedPort}/r/${i}.html`);
    const html = [...dead, ...refused].map((u, i) => `<a href="${u.replace(/&/g, '&amp;')}">分享${i}</a>`).join('') + `<img src="${site.origin}/ok.png">`;
    const a = artifactsFromHtml([{ url: `${site.origin}/`, html }], { asOf: '2024-07-01' });
    const http = new HttpClient({ networkPolicy: true, hosts: { [DEAD]: '-' }, retries: 2, retryBaseMs: 20 });
    const started = Date.now();
    try {
      const [r] = await runChecks(a, [{ module: brokenLinks, options: brokenLinks.meta.options.parse({ softNotFound: { enabled: false } }) }], { config, http });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(10_000);
      const groups = r.findings.filter((f) => f.code === 'dead-host');
      expect(groups).toHaveLength(2);
      expect(r.findings).toHaveLength(2);
      const dns = groups.find((f) => f.evidence.errorKind === 'dns_error')!;
      expect(dns).toMatchObject({ target: DEAD, tier: 'suspected', rule: 'W-D1' });
      expect(dns.evidence.count).toBe(500);
      expect(dns.evidence.host).toBe(DEAD);
      const urls = dns.evidence.urls as Array<{ url: string; seenOn: string[] }>;
      expect(urls).toHaveLength(20);
      expect(urls[0].seenOn).toEqual([`${site.origin}/`]);
      expect(dns.message).toBe(`主机 ${DEAD} 不可用（域名无法解析），其上 500 个链接一并列出`);
      const ref = groups.find((f) => f.evidence.errorKind === 'connection_refused')!;
      expect(ref).toMatchObject({ target: `127.0.0.1:${closedPort}`, tier: 'suspected' });
      expect(ref.evidence.count).toBe(200);
      expect(r.summary).toMatchObject({ deadHosts: 2, suspected: 700 });
      // Attempts (the page took ms, not the 104 s of one probe per URL): the name is resolved once; each dead host gets at most its per-host slots of requests
      // (those already in flight when the first failure came back), not one per URL.
      expect(http.lookups).toBeLessThanOrEqual(2);
      const sentToDead = http.requests - 1; // the one live image
      expect(sentToDead).toBeLessThanOrEqual(2 * http.options.perHostConcurrency);
      expect(http.deadHost(`http://${DEAD}/x`)?.skipped).toBeGreaterThanOrEqual(500 - http.options.perHostConcurrency);
      expect(http.deadHost(`http://127.0.0.1:${closedPort}/`)?.error.kind).toBe('connection_refused');
    } finally {
      await http.close();
    }
  });

  it('a host with a single failing link keeps its per-URL finding', async () => {
    const html = `<a href="http://${DEAD}/one">一</a><a href="http://127.0.0.1:${closedPort}/one">二</a>`;
    const a = artifactsFromHtml([{ url: `${site.origin}/`, html }], { asOf: '2024-07-01' });
    const http = new HttpClient({ networkPolicy: true, hosts: { [DEAD]: null }, retries: 0 });
    try {
      const [r] = await runChecks(a, [{ module: brokenLinks, options: brokenLinks.meta.options.parse({ softNotFound: { enabled: false } }) }], { config, http });
      expect(r.findings.map((f) => f.code)).toEqual(['suspected', 'suspected']);
      expect(r.findings.map((f) => f.evidence.errorKind).sort()).toEqual(['connection_refused', 'dns_error']);
    } finally {
      await http.close();
    }
  });
});
