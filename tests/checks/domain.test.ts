import { describe, expect, it } from 'vitest';
import domain from '../../checks/domain.js';
import { HttpClient } from '../../src/net/http.js';
import { generateSite } from '../fixtures/site.js';
import { artifactsFromHtml, runCheck, withOptions } from './harness.js';

const http = new HttpClient({ networkPolicy: true });
const checks = (o: Record<string, unknown> = {}) => withOptions(domain, o);

async function check(url: string, html: string, o: Record<string, unknown> = {}) {
  const a = artifactsFromHtml([{ url, html }], { asOf: '2024-07-01', collectors: checks(o) });
  return runCheck(a, domain, o, http);
}

describe('domain (W-D5, information)', () => {
  it('accepts a .gov.cn site whose footer has the site code and both filing numbers', async () => {
    const home = String(generateSite().routes.get('/')!.body);
    const r = await check('http://www.shifan.gov.cn/', home);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ siteCode: '3201000001', icp: '苏ICP备12345678号', publicSecurity: '苏公网安备32010202000001号' });
  });

  it('notes a non-gov domain, an IP host and a footer without identity, as information only', async () => {
    const bare = '<html><body><p>主办单位：示例县人民政府办公室</p></body></html>';
    const r = await check('http://www.shifan-xian.com.cn/', bare);
    expect(r.findings.map((f) => f.code).sort()).toEqual(['no-icp', 'no-psb', 'no-site-code', 'not-gov-domain']);
    for (const f of r.findings) expect(f).toMatchObject({ severity: 'info', rule: 'W-D5' });
    expect(r.findings.find((f) => f.code === 'not-gov-domain')!.message).toBe('网站未使用 .gov.cn 政府域名：www.shifan-xian.com.cn');
    expect(r.status).toBe('pass');
    const ip = await check('http://127.0.0.1:9/', bare, { checkFooter: false });
    expect(ip.findings.map((f) => f.code)).toEqual(['ip-host']);
  });

  it('checks the code format and compares the SiteIDCode tag with the footer', async () => {
    const html = '<html><head><meta name="SiteIDCode" content="3201000002"></head><body><div>网站标识码：bm12345678 京ICP备05070218号-1 京公网安备 11010202000001号</div></body></html>';
    const r = await check('http://www.shifan.gov.cn/', html);
    expect(r.findings.map((f) => f.code)).toEqual(['site-code-mismatch']);
    const bad = await check('http://www.shifan.gov.cn/', '<html><head><meta name="SiteIDCode" content="32010"></head><body>苏ICP备12345678号 苏公网安备32010202000001号</body></html>');
    expect(bad.findings.map((f) => `${f.code}:${f.params.code ?? ''}`)).toEqual(['bad-site-code:32010']);
    const other = await check('http://www.shifan.example.cn/', '<html><body>网站标识码3201000001 苏ICP备12345678号 苏公网安备32010202000001号</body></html>', { govSuffixes: ['gov.cn', 'example.cn'] });
    expect(other.findings).toEqual([]);
  });
});
