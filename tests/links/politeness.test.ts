/**
 * Politeness: probes are scheduled per host (the shared client's per-host concurrency) before they take a
 * global slot, so one slow government server never stalls the checks of other hosts; a host that stops
 * answering is given up after a few timeouts instead of costing minutes per link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../../checks/broken-links.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { hangingRoutes, quickRoutes, slowRoutes, type HitLog } from '../fixtures/links.js';
import { serve, type Served } from '../fixtures/site.js';

const N = 12;
const slowLog: HitLog[] = [];
const quickLog: HitLog[] = [];
let slow: Served;
let quick: Served;
let hang: Served;
let site: Served;
beforeAll(async () => {
  slow = await serve(slowRoutes(N, 500, slowLog));
  quick = await serve(quickRoutes(N, quickLog));
  hang = await serve(hangingRoutes(10));
  site = await serve(new Map());
});
afterAll(async () => {
  await Promise.all([slow.close(), quick.close(), hang.close(), site.close()]);
});

const config = loadConfig();

async function check(links: string[], http: HttpClient, opts: Record<string, unknown> = {}) {
  const html = links.map((u, i) => `<img src="${u}" alt="图${i}">`).join('');
  const a = artifactsFromHtml([{ url: `${site.origin}/`, html }], { asOf: '2024-07-01' });
  try {
    const [r] = await runChecks(a, [{ module: brokenLinks, options: brokenLinks.meta.options.parse({ concurrency: 4, softNotFound: { enabled: false }, ...opts }) }], { config, http });
    return r;
  } finally {
    await http.close();
  }
}

describe('broken-links politeness', () => {
  it('a slow host never stalls the checks of other hosts', async () => {
    // The slow host's links come first in the page: a global queue would fill every slot with them.
    const links = [...Array.from({ length: N }, (_, i) => `${slow.origin}/slow/${i}.png`), ...Array.from({ length: N }, (_, i) => `${quick.origin}/quick/${i}.png`)];
    const r = await check(links, new HttpClient({ networkPolicy: true, perHostConcurrency: 2, retries: 0 }));
    expect(r.findings).toEqual([]);
    expect(quickLog).toHaveLength(N);
    expect(slowLog).toHaveLength(N);
    const slowAnswers = slowLog.map((h) => h.answeredAt).sort((a, b) => a - b);
    const lastQuick = Math.max(...quickLog.map((h) => h.answeredAt));
    // Every quick target was answered before the slow host had answered even four of its twelve (it is
    // held to two at a time); with a shared FIFO the quick host would wait for the slow host's last batch.
    expect(lastQuick).toBeLessThan(slowAnswers[3]);
    // The slow host never had more than its two requests in flight: answers come in pairs, 500 ms apart.
    for (let i = 2; i < slowAnswers.length; i++) expect(slowAnswers[i] - slowAnswers[i - 2]).toBeGreaterThanOrEqual(400);
  });

  it('gives up a host that lets requests time out, reporting its targets together as one finding', async () => {
    const links = Array.from({ length: 10 }, (_, i) => `${hang.origin}/hang/${i}.png`);
    const before = [...hang.hits.values()].reduce((a, b) => a + b, 0);
    const r = await check(links, new HttpClient({ networkPolicy: true, perHostConcurrency: 2, retries: 0, timeoutMs: 300 }), { hostTimeoutLimit: 2 });
    const sent = [...hang.hits.values()].reduce((a, b) => a + b, 0) - before;
    // One finding for the host, with all ten targets, suspected (the error policy's tier for timeouts).
    expect(r.findings).toHaveLength(1);
    const [f] = r.findings;
    expect(f).toMatchObject({ code: 'dead-host', tier: 'suspected', target: new URL(hang.origin).host });
    expect(f.evidence).toMatchObject({ errorKind: 'timeout', count: 10, deadHost: true });
    expect((f.evidence.urls as unknown[]).length).toBe(10);
    // Two probes at a time, given up after two timeouts: at most limit + slots − 1 = 3 targets are requested
    // (HEAD, then one GET each), the other seven or more are not.
    const notProbed = f.evidence.notProbed as number;
    expect(notProbed).toBeGreaterThanOrEqual(7);
    expect(sent).toBeLessThanOrEqual(2 * (10 - notProbed));
    expect(r.summary?.notProbed).toBe(notProbed);
  });
});
