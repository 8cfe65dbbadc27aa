/**
 * A finished site check's outcome (inspected or not), apart from job.ts so `govcheck check --no-store` does not load
 * the store. Notes: docs/modules.md.
 */
import type { SiteResult } from '../types.js';

export type JobOutcome = 'checked' | 'error';

/**
 * Whether a finished site check inspected the site ('checked') or could not ('error'). A new-media account
 * whose source (feed or page) could not be read was not inspected at all: it is listed apart for manual
 * review, like a site govcheck could not finish, never counted as passed. So is a website none of whose
 * pages answered, unless its W-V1 veto is confirmed (by a probe series, or `vetoOnSingleProbe`): then it
 * was inspected and fails. The one rule for the quarterly run, the workers and `govcheck check`.
 */
export function outcomeOf(result: SiteResult): JobOutcome {
  if (!result.error) return 'checked';
  if (result.site.kind === 'newmedia') return 'error';
  // A website none of whose pages answered was inspected only when W-V1 is decided (a probe series, or
  // vetoOnSingleProbe): one failed visit alone leaves both W-V1 and every other rule unknown.
  return result.checks.some((c) => c.findings.some((f) => f.rule === 'W-V1' && f.severity === 'veto' && f.tier !== 'suspected')) ? 'checked' : 'error';
}
