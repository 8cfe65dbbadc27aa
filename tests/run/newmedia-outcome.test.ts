import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { executeSiteJob } from '../../src/run/job.js';

describe('site job outcome for new-media accounts', () => {
  it('an account whose source cannot be read is not inspected (outcome error), not passed', async () => {
    const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0, timeoutMs: 3000 }, gather: { retries: 0, timeoutMs: 3000 } });
    const r = await executeSiteJob({ runId: 'r', asOf: '2024-07-01', site: { id: 'nm-dead', url: 'http://127.0.0.1:1/feed.xml', source: 'http://127.0.0.1:1/feed.xml', kind: 'newmedia', platform: 'wechat' } }, { config });
    expect(r.outcome).toBe('error');
    expect(r.result.error?.kind).toBe('connection_refused');
  });
});
