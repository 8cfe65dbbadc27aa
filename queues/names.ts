/**
 * Queue names, job names and job ids of distributed runs. Notes: docs/modules.md.
 */

export const SITES_QUEUE = 'govcheck-sites';
export const PROBES_QUEUE = 'govcheck-probes';
export const RUNS_QUEUE = 'govcheck-runs';
/** BullMQ's key prefix (Bull Board and `src/server/queues.ts` look for queues under it). */
export const QUEUE_PREFIX = 'bull';

export const JOB = {
  /** Check one site of a run (govcheck-sites, child of a `run` job). */
  site: 'site',
  /** Probe the home pages of a batch of websites (govcheck-probes). */
  probe: 'probe',
  /** Parent of a run's site jobs (govcheck-runs): closes the run. */
  run: 'run',
  /** Fired by the quarterly scheduler (govcheck-runs): starts the run of the quarter that just ended. */
  quarterlyRun: 'quarterly-run',
  /** Fired by the probe scheduler (govcheck-runs): one probe round over the operating websites. */
  probeRound: 'probe-round',
  /** Parent of one re-check of a site from the review server (govcheck-runs): holds the run's config; never closes the run. */
  recheck: 'recheck',
} as const;

/** Scheduler ids (`govcheck schedule`). */
export const SCHEDULER = {
  quarterlyRun: 'govcheck-quarterly-run',
  probes: 'govcheck-availability-probes',
} as const;

/** Every queue of govcheck (for Bull Board: `src/server/queues.ts` takes these names). */
export function queueNames(): string[] {
  return [SITES_QUEUE, PROBES_QUEUE, RUNS_QUEUE];
}

const enc = (s: string) => encodeURIComponent(s);

/** Job id of a site of a run: `<runId>|<siteId>`, both percent-encoded (no ':' in BullMQ job ids). */
export function siteJobId(runId: string, siteId: string): string {
  return `${enc(runId)}|${enc(siteId)}`;
}

/** Job id of a run's parent job. */
export function runJobId(runId: string): string {
  return `run|${enc(runId)}`;
}

/** Job id of one batch of a probe round. */
export function probeJobId(round: string, batch: number): string {
  return `probe|${enc(round)}|${batch}`;
}
