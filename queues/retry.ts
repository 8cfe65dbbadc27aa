/**
 * Retries of site jobs. A site that answers badly is not a job failure: `executeSiteJob` turns an unreachable site
 * (name does not exist, refused, bad certificate…) into a normal result that fails W-V1, recorded once, never
 * retried. Notes: docs/modules.md.
 */
import type { MinimalJob } from 'bullmq';
import { classifyError, isTransient } from '../src/net/errors.js';
import type { ErrorKind, FetchErrorInfo } from '../src/types.js';

/** The backoff type site jobs are added with; workers register the strategy under this name. */
export const BACKOFF_TYPE = 'govcheck-jitter';

/** Kinds that another try will not change. */
export const PERMANENT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['dns_error', 'tls_error', 'private_address_blocked', 'malformed_url', 'unsupported_scheme']);

/** Is an error kind worth another try of the whole site job? */
export function retryable(e: FetchErrorInfo): boolean {
  if (PERMANENT_KINDS.has(e.kind)) return false;
  return isTransient(e) || e.kind === 'timeout';
}

/** A site check that ended with a transient error: thrown so BullMQ tries the job again. */
export class TransientSiteError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind,
  ) {
    super(message);
    this.name = 'TransientSiteError';
  }
}

/** Delay before try `attemptsMade + 1`: exponential with jitter, capped; -1 = do not retry (permanent). */
export function backoffDelay(attemptsMade: number, baseMs: number, maxMs: number, err?: Error, random = Math.random): number {
  if (err && !(err instanceof TransientSiteError)) {
    const c = classifyError(err);
    if (PERMANENT_KINDS.has(c.kind)) return -1;
  }
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** BullMQ custom backoff strategy (worker `settings.backoffStrategy`): base from the job's backoff delay, cap from its data. */
export function backoffStrategy(attemptsMade: number, type?: string, err?: Error, job?: MinimalJob): number {
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'object' && backoff.delay !== undefined ? backoff.delay : 10_000;
  const cap = (job?.data as { options?: { maxBackoffMs?: number } } | undefined)?.options?.maxBackoffMs ?? 600_000;
  if (type !== undefined && type !== BACKOFF_TYPE) return 0;
  return backoffDelay(attemptsMade, base, cap, err);
}
