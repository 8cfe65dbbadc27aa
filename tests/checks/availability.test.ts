import { describe, expect, it } from 'vitest';
import availability from '../../checks/availability.js';
import { materialize } from '../../src/checks/api.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { SiteArtifacts } from '../../src/types.js';

const config = loadConfig();
const run = async (a: SiteArtifacts, options = {}) => {
  const [r] = await runChecks(a, [{ module: availability, options: availability.meta.options.parse(options) }], { config, http: new HttpClient() });
  return r;
};
const home = (status: number) => artifactsFromHtml([{ url: 'http://www.example.gov.cn/', html: '<title>首页</title>', status }], { asOf: '2024-07-01' });

describe('availability (W-V1)', () => {
  it('passes a home page that answered 200', async () => {
    const r = await run(home(200));
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
  });

  it('fails with a veto when the home page answers 500', async () => {
    const r = await run(home(500));
    expect(r.status).toBe('fail');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ severity: 'veto', rule: 'W-V1', code: 'unreachable', message: '首页无法访问：HTTP 500' });
    expect(r.findings[0].evidence.errorKind).toBe('http_error');
  });

  it('classifies a home page that could not be fetched', async () => {
    const a = home(200);
    a.home = { ...a.home!, status: null, error: { kind: 'dns_error', message: 'getaddrinfo ENOTFOUND www.example.gov.cn', code: 'ENOTFOUND' } };
    const r = await run(a);
    expect(r.findings[0].params.reason).toBe('dns_error');
    expect(r.findings[0].evidence.actual).toContain('ENOTFOUND');
  });

  it('fails a home page slower than the limit', async () => {
    const a = home(200);
    a.home = { ...a.home!, durationMs: 16_000 };
    const r = await run(a);
    expect(r.findings[0]).toMatchObject({ code: 'slow', severity: 'veto' });
  });

  it('reports a failed probe as a warning when single probes are not to veto', async () => {
    const r = await run(home(503), { vetoOnSingleProbe: false });
    expect(r.status).toBe('pass');
    expect(r.findings[0].severity).toBe('warning');
    expect(materialize(availability.meta, { code: 'unreachable', params: { reason: 'timeout' }, severity: 'veto', url: 'x' }).messageEn).toBe('Home page unreachable: timeout');
  });
});
