import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import exposure from '../../checks/exposure.js';
import { loadConfig } from '../../src/config.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult } from '../../src/types.js';
import { exposedSite, softNotFoundSite } from '../fixtures/security.js';
import { serve, type Served } from '../fixtures/site.js';

const config = loadConfig();
let exposed: Served;
let soft: Served;
const client = new HttpClient({ networkPolicy: true, retries: 0 });

async function check(url: string, options: Record<string, unknown> = {}): Promise<CheckResult> {
  const checks = [{ module: exposure, options: exposure.meta.options.parse(options) }];
  const a = await gatherSite({ id: 't', url, kind: 'website' }, { networkPolicy: true, maxPages: 20, retries: 0 }, checks, '2024-07-01');
  const [r] = await runChecks(a, checks, { config, http: client });
  return r;
}

beforeAll(async () => {
  exposed = await serve(exposedSite());
  soft = await serve(softNotFoundSite());
});
afterAll(async () => {
  await Promise.all([exposed.close(), soft.close(), client.close()]);
});

describe('exposure (W-D6)', () => {
  it('finds version disclosure, exposed files, a directory listing and vulnerable libraries', async () => {
    const r = await check(`${exposed.origin}/`);
    const by = (code: string) => r.findings.filter((f) => f.code === code);
    expect(
      by('version-disclosure')
        .map((f) => f.params.value)
        .sort(),
    ).toEqual(['Apache/2.4.41 (Ubuntu)', 'PHP/5.6.40', 'WordPress 4.9.8']);
    expect(by('version-disclosure')[0]).toMatchObject({ severity: 'deduction', rule: 'W-D6', points: 1 });
    expect(
      by('sensitive-path')
        .map((f) => f.params.path)
        .sort(),
    ).toEqual(['/.env', '/.git/HEAD', '/www.zip']);
    expect(by('sensitive-path').find((f) => f.params.path === '/.git/HEAD')!.message).toBe('敏感文件可被公开访问：/.git/HEAD（Git 版本库）');
    // The .env secrets are never copied into evidence.
    expect(JSON.stringify(r.findings)).not.toContain('secret');
    expect(by('directory-listing').map((f) => f.target)).toEqual([`${exposed.origin}/uploads/2024/`]);
    const libs = by('vulnerable-library')
      .map((f) => `${f.params.library} ${f.params.version} ${f.evidence.actual}`)
      .sort();
    expect(libs).toEqual(['Bootstrap 3.3.7 Bootstrap 3.3.7 (from the url)', 'jQuery 1.11.3 jQuery 1.11.3 (from the banner)', 'jQuery 1.8.3 jQuery 1.8.3 (from the url)']);
    expect(by('vulnerable-library').find((f) => f.params.version === '1.8.3')!.params.advisories).toContain('CVE-2020-11022');
    expect(r.summary?.requests).toBeLessThanOrEqual(24);
  });

  it('gives no false alarm on a site that answers 200 to every path (soft 404)', async () => {
    const r = await check(`${soft.origin}/`);
    expect(r.findings.filter((f) => f.code === 'sensitive-path' || f.code === 'directory-listing')).toEqual([]);
    // It did ask: every sensitive path got a 200 that lacked the signature.
    expect(soft.hits.get('GET /.git/HEAD')).toBe(1);
    expect(soft.hits.get('GET /phpinfo.php')).toBe(1);
  });

  it('keeps the number of requests within its bound', async () => {
    const before = [...exposed.hits.values()].reduce((a, b) => a + b, 0);
    const r = await check(`${exposed.origin}/`, { maxRequests: 3 });
    const after = [...exposed.hits.values()].reduce((a, b) => a + b, 0);
    expect(r.summary?.requests).toBe(3);
    const crawled = 2; // the crawl fetches the two pages (home, about); scripts and attachments are not crawled
    expect(after - before).toBeLessThanOrEqual(3 + crawled);
    expect(r.findings.filter((f) => f.code === 'sensitive-path').map((f) => f.params.path)).toEqual(['/.git/HEAD']);
  });

  it('stops probing a server that no longer answers', async () => {
    const routes = new Map([['/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>首页</body></html>' }]]) as import('../fixtures/site.js').Routes;
    const hanging = new Map(routes);
    const silent = await serve(new Proxy(hanging, { get: (t, k) => (k === 'get' ? (p: string) => t.get(p) ?? { handler: () => undefined } : Reflect.get(t, k)) }));
    const slow = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: 300 });
    const checks = [{ module: exposure, options: exposure.meta.options.parse({}) }];
    const a = await gatherSite({ id: 't', url: `${silent.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 2, retries: 0 }, checks, '2024-07-01');
    const started = Date.now();
    const [r] = await runChecks(a, checks, { config, http: slow });
    expect(Date.now() - started).toBeLessThan(10_000);
    // Four probes go out at once (the client's per-host limit); once two got no answer, no new one starts: the
    // first silence can start one more probe before the second arrives, so at most 4 + 1 of the many paths.
    expect(r.summary?.requests).toBeGreaterThanOrEqual(4);
    expect(r.summary?.requests).toBeLessThanOrEqual(5);
    expect(exposure.meta.options.parse({}).paths.length).toBeGreaterThan(10);
    expect(r.findings).toEqual([]);
    await slow.close();
    await silent.close();
  });
});
