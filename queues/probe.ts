/**
 * One availability probe visit (W-V1): a GET of a website's home page through the shared HTTP client
 * (src/net/http.ts: the same network guard, host overrides and error kinds as every other request), without retries
 * — one visit is one probe, a failed visit is a failure — and within the 15 s limit. Notes: docs/modules.md.
 */
import pLimit from 'p-limit';
import { httpClientFor } from '../src/net/http.js';
import type { ProbeRecord } from '../src/store/probes.js';
import type { ProbeJobData } from './payload.js';

/** Visits the home pages of a batch (a few at a time); every site gets one record. */
export async function probeBatch(data: ProbeJobData, opts: { concurrency?: number } = {}): Promise<ProbeRecord[]> {
  const { net } = data;
  const http = httpClientFor(net, { timeoutMs: net.timeoutMs, retries: 0, perHostConcurrency: 1, ...(net.userAgent ? { userAgent: net.userAgent } : {}) });
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8));
  try {
    return await Promise.all(
      data.sites.map((s) =>
        limit(async (): Promise<ProbeRecord> => {
          const probedAt = new Date().toISOString();
          const started = Date.now();
          const r = await http.probeUncached(s.url, { method: 'GET' });
          const durationMs = Date.now() - started;
          const ok = !r.error && r.status !== null && r.status >= 200 && r.status < 300 && durationMs <= net.timeoutMs;
          const errorKind = r.error?.kind ?? (ok ? null : r.status !== null && (r.status < 200 || r.status >= 300) ? 'http_error' : 'timeout');
          return { siteId: s.id, round: data.round, url: s.url, probedAt, ok, status: r.status, errorKind, durationMs };
        }),
      ),
    );
  } finally {
    await http.close();
  }
}
