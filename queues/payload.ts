/**
 * Job payloads of distributed runs (JSON in Redis). `v` is the payload version: a worker refuses a
 * payload version it does not know (an older worker next to a newer producer) with a clear error.
 */
import type { Lang } from '../src/check-api/api.js';
import type { Config } from '../src/config.js';
import type { SiteJobResult } from '../src/run/job.js';
import type { ProbeRecord } from '../src/store/probes.js';
import type { AvailabilitySeries, SiteRef } from '../src/types.js';

export const PAYLOAD_VERSION = 1;

/** Options of a run that every site job follows (small; the config lives in the parent job). */
export interface RunJobOptions {
  lang?: Lang;
  /** Only these checks. */
  checks?: string[];
  /** Longest time one site check may take before it is recorded as an error (ms). */
  siteTimeoutMs?: number;
  /** Longest wait between tries of a site job (config queue.maxBackoffMs). */
  maxBackoffMs?: number;
}

/** `site` job (govcheck-sites): one site of a run. Its return value is the `SiteJobResult`. */
export interface SiteJobData {
  v: number;
  runId: string;
  site: SiteRef;
  /** Inspection date of the run (YYYY-MM-DD). */
  asOf: string;
  options: RunJobOptions;
  /** Websites: the availability probe series before the inspection date (W-V1), when there is one. */
  availability?: AvailabilitySeries;
  /** Hash of the run's config (the one in the parent job) the job was added with. */
  configHash: string;
}

export type SiteJobReturn = SiteJobResult;

/** `run` job (govcheck-runs): parent of a run's site jobs; holds the run's config for the workers. */
export interface RunJobData {
  v: number;
  runId: string;
  quarter: string;
  asOf: string;
  /** The run's effective configuration (defaults, rules, the --config file, flags): workers check with it. */
  config: Config;
  configHash: string;
  options: RunJobOptions;
  createdAt: string;
}

/** `probe` job (govcheck-probes): visit the home page of each website of a batch once. Returns the visits. */
export interface ProbeJobData {
  v: number;
  round: string;
  sites: Array<{ id: string; url: string }>;
  /** Network settings of the visits (from the coordinator's config). */
  net: Pick<Config, 'allowPrivateNetwork' | 'allowNetworks' | 'hosts'> & { timeoutMs: number; userAgent?: string };
}

export type ProbeJobReturn = ProbeRecord[];

/** `quarterly-run` job (govcheck-runs, from the scheduler): options of the scheduled run. */
export interface QuarterlyRunJobData {
  v: number;
  only?: string[];
  checks?: string[];
  siteTimeoutMs?: number;
}

/** `probe-round` job (govcheck-runs, from the scheduler). */
export interface ProbeRoundJobData {
  v: number;
}

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Refuses a payload this govcheck cannot read. */
export function assertPayload(data: unknown, what: string): asserts data is { v: number } {
  const v = (data as { v?: unknown } | null)?.v;
  if (v !== PAYLOAD_VERSION) {
    throw new PayloadError(`${what} job payload version ${String(v)} is not ${PAYLOAD_VERSION}: this govcheck and the one that added the job differ; run the same version everywhere`);
  }
}
