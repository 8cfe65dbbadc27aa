import { describe, expect, it } from 'vitest';
import availability from '../../checks/availability.js';
import { materialize } from '../../src/check-api/api.js';
import type { SiteArtifacts } from '../../src/types.js';
import { artifactsFromHtml, runCheck } from './harness.js';

const run = (a: SiteArtifacts, options = {}) => runCheck(a, availability, options);
const home = (status: number) => artifactsFromHtml([{ url: 'http://www.example.gov.cn/', html: '<title>首页</title>', status }], { asOf: '2024-07-01' });

describe('availability (W-V1)', () => {
  it('passes a home page that answered 200', async () => {
    const r = await run(home(200));
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
  });

  it('one failed visit without a probe series is a suspected veto: listed for review, not scored', async () => {
    const r = await run(home(500));
    expect(r.status).toBe('pass');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ severity: 'veto', tier: 'suspected', rule: 'W-V1', code: 'unreachable', message: '首页无法访问：HTTP 500' });
    expect(r.findings[0].evidence.errorKind).toBe('http_error');
    expect(String(r.findings[0].evidence.note)).toContain('week of probes');
  });

  it('vetoOnSingleProbe makes one failed visit a confirmed veto', async () => {
    const r = await run(home(500), { vetoOnSingleProbe: true });
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ severity: 'veto', tier: 'confirmed', rule: 'W-V1', code: 'unreachable' });
  });

  it('a probe series too short to decide leaves the failed visit suspected and says why', async () => {
    const a = home(503);
    a.availability = { from: '2024-06-23T16:00:00.000Z', to: '2024-06-30T16:00:00.000Z', windowDays: 7, probes: 60, failed: 60, days: 3, minPerDay: 0, failures: [] };
    const r = await run(a);
    expect(r.status).toBe('pass');
    expect(r.findings.map((f) => [f.code, f.severity, f.tier])).toEqual([['unreachable', 'veto', 'suspected']]);
    expect(String(r.findings[0].evidence.note)).toContain('3 of 7 days');
  });

  it('classifies a home page that could not be fetched', async () => {
    const a = home(200);
    a.home = { ...a.home!, status: null, error: { kind: 'dns_error', message: 'getaddrinfo ENOTFOUND www.example.gov.cn', code: 'ENOTFOUND' } };
    const r = await run(a);
    expect(r.findings[0].params.reason).toBe('dns_error');
    expect(r.findings[0].evidence.actual).toContain('ENOTFOUND');
  });

  it('a home page slower than the limit is a suspected veto on one visit, confirmed with vetoOnSingleProbe', async () => {
    const a = home(200);
    a.home = { ...a.home!, durationMs: 16_000 };
    expect((await run(a)).findings[0]).toMatchObject({ code: 'slow', severity: 'veto', tier: 'suspected' });
    expect((await run(a, { vetoOnSingleProbe: true })).findings[0]).toMatchObject({ code: 'slow', severity: 'veto', tier: 'confirmed' });
  });

  it('renders its messages in English too', () => {
    expect(materialize(availability.meta, { code: 'unreachable', params: { reason: 'timeout' }, severity: 'veto', url: 'x' }).messageEn).toBe('Home page unreachable: timeout');
  });
});
