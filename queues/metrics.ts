/**
 * Prometheus metrics of a worker (`govcheck worker --metrics-port N`, prom-client): jobs by kind and
 * result, job durations, jobs in progress, pages crawled, and the queue's job counts by state (read from
 * Redis when scraped), plus prom-client's default process metrics. Served at GET /metrics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import client from 'prom-client';

export type JobResultLabel = 'checked' | 'error' | 'failed' | 'retried' | 'released' | 'probed';

export class WorkerMetrics {
  readonly registry = new client.Registry();
  readonly jobs: client.Counter<'job' | 'result'>;
  readonly duration: client.Histogram<'job'>;
  readonly active: client.Gauge<'job'>;
  readonly pages: client.Counter;
  readonly probes: client.Counter<'ok'>;
  private readonly queues: Queue[] = [];

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.jobs = new client.Counter({ name: 'govcheck_worker_jobs_total', help: 'Jobs handled by this worker, by job kind and result', labelNames: ['job', 'result'], registers: [this.registry] });
    this.duration = new client.Histogram({
      name: 'govcheck_worker_job_duration_seconds',
      help: 'Time to handle one job',
      labelNames: ['job'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [this.registry],
    });
    this.active = new client.Gauge({ name: 'govcheck_worker_active_jobs', help: 'Jobs in progress in this worker', labelNames: ['job'], registers: [this.registry] });
    this.pages = new client.Counter({ name: 'govcheck_worker_pages_total', help: 'Pages fetched by the site checks of this worker', registers: [this.registry] });
    this.probes = new client.Counter({ name: 'govcheck_worker_probes_total', help: 'Availability probe visits made by this worker, by outcome', labelNames: ['ok'], registers: [this.registry] });
    const queues = this.queues;
    new client.Gauge({
      name: 'govcheck_queue_jobs',
      help: 'Jobs in the queue by state (read from Redis when scraped)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const q of queues) {
          const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'waiting-children', 'prioritized').catch(() => undefined);
          if (!counts) continue;
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
      },
    });
  }

  /** Queues whose job counts are reported. */
  watch(q: Queue): void {
    this.queues.push(q);
  }

  /** Serves /metrics on host:port; resolves with the port (0 = any free port). */
  serve(port: number, host = '0.0.0.0'): Promise<{ port: number; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
        return;
      }
      this.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch((e) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(String((e as Error)?.message ?? e)));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve({
          port: (server.address() as AddressInfo).port,
          close: () => new Promise<void>((r) => server.close(() => r())),
        });
      });
    });
  }
}
