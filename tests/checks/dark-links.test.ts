import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import darkLinks from '../../checks/dark-links.js';
import jiucuo from '../../checks/jiucuo.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import { darkLinkSite } from '../fixtures/security.js';
import { footerWithServiceLinks } from '../fixtures/verdicts.js';
import { generateSite, serve, type Served } from '../fixtures/site.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

// Off-site addresses are only read, never requested: neither the crawl nor the check follows them.
const SPAM = 'http://www.abc123-link.test';
const GOV = 'http://www.shifan-sheng.gov.cn';
const client = new HttpClient({ networkPolicy: true, retries: 0 });
let s: Served;
let gov: Served;

const checks = (o: Record<string, unknown> = {}) => withOptions(darkLinks, o);

beforeAll(async () => {
  s = await serve(darkLinkSite(SPAM, GOV));
  gov = await serve(generateSite({ planted: false }).routes);
});
afterAll(async () => {
  await Promise.all([s.close(), gov.close(), client.close()]);
});

describe('dark-links (W-V4)', () => {
  it('finds hidden off-site links by each technique, and spam vocabulary (Traditional too), as a veto', async () => {
    const a = await gatherSite({ id: 't', url: `${s.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 5 }, checks(), '2024-07-01');
    const [r] = await runChecks(a, checks(), { config, http: client });
    const by = (code: string) => r.findings.find((f) => f.code === code && f.url === `${s.origin}/`)!;
    const spam = by('spam-link');
    expect(spam).toMatchObject({ severity: 'veto', tier: 'confirmed', rule: 'W-V4', params: { count: 2 } });
    const spamLinks = (spam.evidence.links as Array<{ url: string; vocabulary: string }>).map((l) => `${l.url} ${l.vocabulary}`).sort();
    expect(spamLinks).toEqual([`${SPAM}/a 娱乐城`, `${SPAM}/casino-bet365 百家乐`]);
    const hidden = by('hidden-link');
    expect(hidden).toMatchObject({ severity: 'veto', tier: 'confirmed', params: { count: 5 } });
    const techniques = Object.fromEntries((hidden.evidence.links as Array<{ url: string; technique: string[] }>).map((l) => [l.url.slice(SPAM.length), l.technique.join(',')]));
    expect(techniques).toEqual({ '/b': 'off-screen', '/d': 'font-size:0', '/e': 'same colour', '/f': 'tiny iframe', '/g': 'zero size' });
    const suspected = by('hidden-link-suspected');
    expect(suspected).toMatchObject({ tier: 'suspected', params: { count: 1, example: `${SPAM}/c`, technique: 'display:none' } });
    expect(spam.message).toBe(`发现含违规词汇的站外链接（“娱乐城”）：2 个，如 ${SPAM}/a`);
    // Trusted hosts (gov.cn), links on the site itself and visible normal links are never reported.
    const all = r.findings.flatMap((f) => (f.evidence.links as Array<{ url: string }>).map((l) => l.url));
    expect(all.some((u) => u.startsWith(GOV) || u.startsWith(s.origin))).toBe(false);
    expect(computeVerdict(r.findings, config.rules)).toMatchObject({ verdict: 'fail', decidedBy: [{ rule: 'W-V4', kind: 'veto' }] });
  });

  it('reports a link hidden only by display:none as suspected, not scored', async () => {
    const a = artifactsFromHtml([{ url: 'http://127.0.0.1:9/clean.html', html: `<ul class="menu" style="display:none"><li><a href="${SPAM}/menu">办事指南</a></li></ul>` }], { asOf: '2024-07-01', collectors: checks() });
    const [r] = await runChecks(a, checks(), { config, http: client });
    expect(r.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['hidden-link-suspected/suspected']);
    expect(r.status).toBe('pass');
    expect(computeVerdict(r.findings, config.rules).verdict).toBe('pass');
    const [off] = await runChecks(
      artifactsFromHtml([{ url: 'http://127.0.0.1:9/clean.html', html: `<div style="display:none"><a href="${SPAM}/menu">x</a></div>` }], { asOf: '2024-07-01', collectors: checks({ reportPlainHidden: false }) }),
      checks({ reportPlainHidden: false }),
      { config, http: client },
    );
    expect(off.findings).toEqual([]);
  });

  it('finds nothing on a normal government site, and honours a configured vocabulary', async () => {
    const a = await gatherSite({ id: 't', url: `${gov.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 30 }, checks(), '2024-07-01');
    const [r] = await runChecks(a, checks(), { config, http: client });
    expect(r.findings).toEqual([]);
    const custom = checks({ vocabulary: ['代写论文'] });
    const b = artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: `<p><a href="${SPAM}/x">專業代寫論文</a> <a href="${SPAM}/y">澳门娱乐城</a></p>` }], { asOf: '2024-07-01', collectors: custom });
    const [c] = await runChecks(b, custom, { config, http: client });
    expect(c.findings.map((f) => f.params.word)).toEqual(['代写论文']);
  });

  it('does not let hidden on-site or trusted links use up the per-page cap (off-site links after them are still found)', async () => {
    // A drop-down menu of 30 on-site links and 30 gov.cn links, all display:none, then one off-screen spam link.
    const menu = Array.from({ length: 30 }, (_, i) => `<li><a href="/col/${i}/">栏目${i}</a></li><li><a href="${GOV}/c/${i}.html">部门${i}</a></li>`).join('');
    const html = `<ul style="display:none">${menu}</ul><a href="${SPAM}/late" style="position:absolute;left:-9999px">x</a>`;
    const opts = { maxPerPage: 10 };
    const a = artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html }], { asOf: '2024-07-01', collectors: checks(opts) });
    expect(a.home!.collected['dark-links']).toEqual([expect.objectContaining({ url: `${SPAM}/late`, technique: ['off-screen'] })]);
    const [r] = await runChecks(a, checks(opts), { config, http: client });
    expect(r.findings.map((f) => `${f.code}:${f.target}`)).toEqual([`hidden-link:${SPAM}/late`]);
  });

  it('reads protocol-relative and backslash addresses as off-site (only plain relative links are taken as on-site unparsed)', async () => {
    const host = new URL(SPAM).host;
    const hide = 'style="position:absolute;left:-9999px"';
    const html = `<a href="/local/1.html" ${hide}>本站</a><a href="//${host}/p1" ${hide}>a</a><a href="/\\${host}/p2" ${hide}>b</a><a href=" /\t/${host}/p3" ${hide}>c</a><a href="http:${SPAM.slice(5)}/p4" ${hide}>d</a>`;
    const a = artifactsFromHtml([{ url: 'http://127.0.0.1:9/dir/page.html', html }], { asOf: '2024-07-01', collectors: checks() });
    const urls = (a.home!.collected['dark-links'] as Array<{ url: string }>).map((l) => l.url);
    expect(urls).toEqual([`${SPAM}/p1`, `${SPAM}/p2`, `${SPAM}/p3`, `${SPAM}/p4`]);
  });

  it('marks links in a squeezed marquee', async () => {
    const a = artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: `<marquee height="1" scrollamount="2000"><a href="${SPAM}/m">m</a><a href="javascript:void(0)">更多</a><a href="mailto:x@example.test">信箱</a></marquee>` }], {
      asOf: '2024-07-01',
      collectors: checks(),
    });
    const [r] = await runChecks(a, checks(), { config, http: client });
    expect(r.findings.map((f) => `${f.code}:${f.params.technique}:${f.params.count}`)).toEqual(['hidden-link:tiny marquee:1']);
  });
  it('does not take hidden service links (找错, conac, vendor credit, statistics, share) for dark links; a hidden 找错 entrance is the jiucuo check’s W-D5 finding', async () => {
    const both = [...checks(), ...withOptions(jiucuo)];
    for (const host of ['121.43.68.40', 'pucha.kaipuyun.cn', 'zfwzgl.www.gov.cn']) {
      const html = `<html><body><p>正文</p>${footerWithServiceLinks(host)}<a href="${SPAM}/still" style="position:absolute;left:-9999px">x</a></body></html>`;
      const a = artifactsFromHtml([{ url: 'http://fgw.shifan.gov.cn/art/2024/7/1/art_1_2.html', html }], { asOf: '2024-07-01', collectors: both });
      const [r, j] = await runChecks(a, both, { config, http: client });
      // The stealth-hidden spam link is still a confirmed veto; nothing else of the footer is a dark link.
      expect(r.findings.map((f) => `${f.code}/${f.rule}/${f.tier}/${f.target}`)).toEqual([`hidden-link/W-V4/confirmed/${SPAM}/still`]);
      // The hidden 找错 link is reported once, by jiucuo (one home per concern).
      expect(j.findings.map((f) => `${f.code}/${f.rule}/${f.tier}/${f.target}`)).toEqual([`jiucuo-hidden/W-D5/suspected/http://${host}/exposure/jiucuo.html?site_code=9900000001&url=http%3A%2F%2Ffgw.shifan.gov.cn%2F`]);
      const jc = j.findings[0];
      expect(jc.severity).toBe('deduction');
      expect(jc.message).toContain('「我为政府网站找错」入口被隐藏（display:none');
    }
    // Spam vocabulary wins over the list, and the list is configuration.
    const spam = `<a style="display:none" href="http://pucha.kaipuyun.cn/exposure/x.html">澳门娱乐城</a>`;
    const [s1] = await runChecks(artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: spam }], { asOf: '2024-07-01', collectors: checks() }), checks(), { config, http: client });
    expect(s1.findings.map((f) => f.code)).toEqual(['spam-link']);
    const noList = checks({ serviceLinks: [] });
    const [s2] = await runChecks(artifactsFromHtml([{ url: 'http://127.0.0.1:9/', html: `<a style="display:none" href="http://www.hanweb.com/">大汉网络</a>` }], { asOf: '2024-07-01', collectors: noList }), noList, { config, http: client });
    expect(s2.findings.map((f) => f.code)).toEqual(['hidden-link-suspected']);
    expect(computeVerdict(s2.findings, config.rules).verdict).toBe('pass');
  });
});
