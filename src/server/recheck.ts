/**
 * "Re-check one site now" from the browser. The action talks to a `Rechecker`: the server does not care whether the
 * site is checked in this process or by a queue worker. Notes: docs/modules.md.
 */
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import { runSiteJob } from '../run/job.js';
import { siteAvailability } from '../run/runner.js';
import type { DB } from '../store/db.js';
import { runRules } from '../store/reviews.js';
import type { SiteRef } from '../types.js';

/** The checks a run was made with (its stored options), so a re-check of one of its sites runs the same ones. */
export function runCheckIds(run: { options_json: string }): string[] | undefined {
  try {
    const opts = JSON.parse(run.options_json) as { checks?: unknown };
    if (Array.isArray(opts.checks) && opts.checks.every((c) => typeof c === 'string')) return opts.checks as string[];
  } catch {
    // options written by an older govcheck: the default checks
  }
  return undefined;
}

export interface RecheckRequest {
  runId: string;
  site: SiteRef;
  /** Inspection date the result is judged as of (the run's date: all its sites are judged alike). */
  asOf: string;
  /** The checks the run used (from its recorded options), so the new result is comparable. */
  checks?: string[];
}

export interface RecheckStatus {
  state: 'queued' | 'running' | 'done' | 'failed';
  /** How it is being checked, e.g. 'in-process' or 'queue'. */
  via: string;
  jobId: string;
  submittedAt: string;
  finishedAt?: string;
  verdict?: 'pass' | 'fail';
  score?: number;
  error?: string;
}

export interface Rechecker {
  readonly via: string;
  /** Starts (or queues) a re-check; a re-check of the same site already under way is returned as is. */
  submit(req: RecheckRequest): Promise<RecheckStatus>;
  /** Latest re-check of a site of a run, if any was submitted through this rechecker. */
  status(runId: string, siteId: string): Promise<RecheckStatus | undefined>;
  /** Waits for running re-checks (or gives up on them) and releases resources. */
  close(): Promise<void>;
}

export interface InProcessOptions {
  config: Config;
  evidenceDir?: string;
  /** Re-checks at the same time (each is one site crawl). */
  concurrency?: number;
  siteTimeoutMs?: number;
}

/** Checks the site in this process, a few at a time, and stores the result under the run. */
export class InProcessRechecker implements Rechecker {
  readonly via = 'in-process';
  private readonly jobs = new Map<string, RecheckStatus>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly limit: ReturnType<typeof pLimit>;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly db: DB,
    private readonly o: InProcessOptions,
  ) {
    this.limit = pLimit(o.concurrency ?? 1);
  }

  private key(runId: string, siteId: string): string {
    return `${runId}\u001f${siteId}`;
  }

  async submit(req: RecheckRequest): Promise<RecheckStatus> {
    if (this.closed) throw new Error('the server is shutting down');
    const key = this.key(req.runId, req.site.id);
    const cur = this.jobs.get(key);
    if (cur && (cur.state === 'queued' || cur.state === 'running')) return cur;
    const st: RecheckStatus = { state: 'queued', via: this.via, jobId: `local-${++this.seq}`, submittedAt: new Date().toISOString() };
    this.jobs.set(key, st);
    const p = this.limit(async () => {
      st.state = 'running';
      try {
        const r = await runSiteJob(
          this.db,
          // Like the run: the availability probe series before the run's date (W-V1), when the site was probed.
          { runId: req.runId, site: req.site, asOf: req.asOf, availability: siteAvailability(this.db, req.site, req.asOf, this.o.config) },
          // Judged with the run's own indicator rules (runRules), not this server's: the re-checked site is
          // scored like the rest of its run.
          { config: { ...this.o.config, rules: runRules(this.db, req.runId) }, checks: req.checks, evidenceDir: this.o.evidenceDir, siteTimeoutMs: this.o.siteTimeoutMs },
        );
        // The stored row is the truth: reviews may have changed the verdict the check computed.
        const row = this.db.prepare(`SELECT verdict, score FROM site_results WHERE run_id = ? AND site_id = ?`).get(req.runId, req.site.id) as { verdict: 'pass' | 'fail'; score: number } | undefined;
        st.verdict = row?.verdict ?? r.result.verdict;
        st.score = row?.score ?? r.result.score;
        if (r.outcome === 'error') {
          st.state = 'failed';
          st.error = r.result.error?.message ?? 'error';
        } else st.state = 'done';
      } catch (e) {
        st.state = 'failed';
        st.error = String((e as Error)?.message ?? e);
      } finally {
        st.finishedAt = new Date().toISOString();
      }
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return st;
  }

  async status(runId: string, siteId: string): Promise<RecheckStatus | undefined> {
    return this.jobs.get(this.key(runId, siteId));
  }

  /** Waits for the re-checks under way, at most `graceMs`. */
  async close(graceMs = 30_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}
