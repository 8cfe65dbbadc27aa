/** What `table` and `notice` share: which run (--quarter or --run), config, groups, and the quarter's report. */
import { loadConfig } from '../config.js';
import { loadGroups } from '../registry/groups.js';
import { RollupError } from '../rollup/data.js';
import { quarterReport } from '../rollup/index.js';
import { parseQuarter } from '../run/quarter.js';
import { openDb } from '../store/db.js';
import { UsageError } from './common.js';

export interface ReportOptions {
  quarter?: string;
  run?: string;
  previous?: string;
  db: string;
  config?: string;
  groups?: string;
  lang?: 'zh' | 'en';
}

/** Loads the report of the run the options name; `check` may refuse it (a RollupError becomes a usage error). */
export function loadReport(o: ReportOptions, check?: (r: ReturnType<typeof quarterReport>) => void) {
  if (!o.quarter && !o.run) throw new UsageError('give --quarter (e.g. 2024Q2) or --run ID');
  let quarter = o.quarter;
  if (quarter) {
    try {
      quarter = parseQuarter(quarter).id;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const config = loadConfig(o.config);
  const lang = o.lang ?? config.lang;
  const groups = loadGroups({ groupsFile: o.groups, configFile: o.config });
  // Read only: a database file this user may not write is opened read-only (no migrations).
  const db = openDb(o.db, { readOnlyOk: true });
  try {
    const report = quarterReport(db, { quarter, runId: o.run, previousRunId: o.previous }, config.rules, groups);
    check?.(report);
    return { report, config, lang, groups };
  } catch (e) {
    if (e instanceof RollupError) throw new UsageError(e.message);
    throw e;
  } finally {
    db.close();
  }
}
