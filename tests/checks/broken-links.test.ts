import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../../checks/broken-links.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { serve, type Served } from '../fixtures/site.js';

let s: Served;
beforeAll(async () => {
  s = await serve(
    new Map([
      ['/ok.png', { headers: { 'content-type': 'image/png' }, body: 'png' }],
      ['/forbidden', { status: 403 }],
      ['/bot-wall', { status: 403, headers: { 'cf-mitigated': 'challenge' } }],
      ['/server-error', { status: 500 }],
      ['/head-refused', { handler: (req, res) => res.writeHead(req.method === 'HEAD' ? 405 : 200).end() }],
      ['/files/ok.pdf', { body: '%PDF' }],
    ]),
  );
});
afterAll(() => s.close());

const config = loadConfig();

async function check(homeHtml: string, other: Array<{ path: string; html: string }> = []) {
  const a = artifactsFromHtml([{ url: `${s.origin}/`, html: homeHtml }, ...other.map((o) => ({ url: `${s.origin}${o.path}`, html: o.html }))], { asOf: '2024-07-01' });
  const [r] = await runChecks(a, [{ module: brokenLinks, options: brokenLinks.meta.options.parse({}) }], { config, http: new HttpClient({ allowPrivateNetwork: true, retries: 0 }) });
  return r;
}

describe('broken-links (W-D1, W-D2)', () => {
  it('reports a broken target once with every page that links to it', async () => {
    const r = await check('<a href="/missing.html">甲</a><img src="/ok.png">', [
      { path: '/a.html', html: '<p><a href="/missing.html">乙</a></p>' },
      { path: '/b.html', html: '<a href="/missing.html">丙</a>' },
    ]);
    const broken = r.findings.filter((f) => f.code === 'broken');
    expect(broken).toHaveLength(1);
    expect(broken[0].target).toBe(`${s.origin}/missing.html`);
    expect(broken[0].url).toBe(`${s.origin}/`);
    expect(broken[0].points).toBe(1); // on the home page: −1
    const parents = broken[0].evidence.parents as Array<{ page: string; text: string; element: string; attribute: string }>;
    expect(parents.map((p) => p.text).sort()).toEqual(['丙', '乙', '甲']);
    expect(parents[0]).toMatchObject({ page: `${s.origin}/`, element: 'a', attribute: 'href' });
  });

  it('scores other-page links at −0.1 and attachments under W-D2', async () => {
    const r = await check('<a href="/a.html">a</a>', [{ path: '/a.html', html: '<a href="/gone.html">x</a><a href="/files/missing.docx">附件</a><a href="/files/ok.pdf">ok</a>' }]);
    expect(r.findings.find((f) => f.target?.endsWith('/gone.html'))).toMatchObject({ rule: 'W-D1', points: 0.1, tier: 'confirmed' });
    expect(r.findings.find((f) => f.target?.endsWith('/missing.docx'))).toMatchObject({ rule: 'W-D2', code: 'broken-attachment', points: 0.5 });
    expect(r.findings.some((f) => f.target?.endsWith('/ok.pdf'))).toBe(false);
  });

  it('applies the status policy: 403 broken, bot wall inconclusive, 5xx and network errors suspected', async () => {
    const r = await check('<a href="/forbidden">a</a><a href="/bot-wall">b</a><a href="/server-error">c</a><a href="http://127.0.0.1:1/">d</a><a href="/head-refused">e</a>');
    const by = (p: string) => r.findings.find((f) => f.target?.includes(p));
    expect(by('/forbidden')).toMatchObject({ code: 'broken', tier: 'confirmed' });
    expect(by('/bot-wall')).toMatchObject({ code: 'inconclusive', severity: 'info' });
    expect(by('/server-error')).toMatchObject({ code: 'suspected', tier: 'suspected' });
    expect(by('127.0.0.1:1')).toMatchObject({ code: 'suspected' });
    expect(by('127.0.0.1:1')!.evidence.errorKind).toBe('connection_refused');
    expect(by('/head-refused')).toBeUndefined();
  });

  it('reports malformed links and counts skipped schemes without flagging them', async () => {
    const r = await check('<a href="https;//www.gov.cn/">政府网</a><a href="mailto:a@b.cn">信箱</a><a href="javascript:;">打印</a>');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'malformed', target: 'https;//www.gov.cn/' });
    expect(r.summary?.skipped).toEqual({ mailto: 1, javascript: 1 });
  });
});
