/**
 * Roll-up of one quarterly run: both attachment tables, the failing list, the 整改清单, problems by
 * category and, when the previous quarter was inspected, the changes against it.
 */
import type { Rules } from '../config.js';
import type { GroupsConfig } from '../registry/groups.js';
import { parseQuarter, previousQuarter, type Quarter } from '../run/quarter.js';
import type { DB, RunRow } from '../store/db.js';
import { runRules } from '../store/reviews.js';
import { findRun, loadRunSites, RollupError } from './data.js';
import { failingList, fixList, problemCategories, quarterChanges, type ChangesReport, type FailingEntry, type FixOwner, type ProblemCategory } from './lists.js';
import { computeTable, type QuarterTable } from './tables.js';

export * from './data.js';
export * from './lists.js';
export * from './tables.js';

export interface QuarterReport {
  run: RunRow;
  quarter: Quarter;
  tables: { website: QuarterTable; newmedia: QuarterTable };
  failing: FailingEntry[];
  fixes: FixOwner[];
  categories: ProblemCategory[];
  /** Against the latest run of the previous quarter, when there is one. */
  changes?: ChangesReport;
}

/** The previous quarter's latest run, if any. */
export function previousRun(db: DB, run: RunRow): RunRow | undefined {
  if (!run.quarter) return undefined;
  try {
    return findRun(db, { quarter: previousQuarter(parseQuarter(run.quarter)).id });
  } catch (e) {
    if (e instanceof RollupError) return undefined;
    throw e;
  }
}

/**
 * The roll-ups of a quarterly run, with the indicator rules the run was judged with (`runRules`: stored on
 * the run); `fallbackRules` only stand in for a run made before runs stored their rules.
 */
export function quarterReport(db: DB, o: { quarter?: string; runId?: string; previousRunId?: string }, fallbackRules: Rules, groups: GroupsConfig): QuarterReport {
  const run = findRun(db, o);
  const rules = runRules(db, run.id, fallbackRules);
  if (!run.quarter) throw new RollupError(`run ${run.id} is not a quarterly run; give a quarterly run`);
  const quarter = parseQuarter(run.quarter);
  const sites = loadRunSites(db, run.id);
  const meta = { quarter: quarter.id, runId: run.id, asOf: run.as_of };
  const prev = o.previousRunId ? findRun(db, { runId: o.previousRunId }) : previousRun(db, run);
  return {
    run,
    quarter,
    tables: { website: computeTable(sites, 'website', groups, meta), newmedia: computeTable(sites, 'newmedia', groups, meta) },
    failing: failingList(db, run.id, undefined, rules, groups),
    fixes: fixList(db, run.id, undefined, rules, groups),
    categories: problemCategories(db, run.id, rules),
    changes: prev ? quarterChanges(db, run.id, prev.id, rules, groups) : undefined,
  };
}
