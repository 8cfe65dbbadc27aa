/**
 * Embedded store: SQLite through better-sqlite3, with versioned migrations.
 * A site's result (site row, check rows, findings) is written in one transaction and keyed by
 * (run, site): writing the same result again replaces it, never duplicates it.
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Rules } from '../config.js';
import type { CheckResult, Finding, SiteRef, SiteResult } from '../types.js';
import { applyReviews } from './reviews.js';

export type DB = Database.Database;

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Ordered migrations; each runs once, in a transaction, and bumps PRAGMA user_version. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- 'adhoc' | 'quarter'
    quarter TEXT,
    as_of TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running', -- running | done | interrupted
    options_json TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    name TEXT,
    kind TEXT NOT NULL DEFAULT 'website',
    grp TEXT,
    owner TEXT,
    site_code TEXT,
    platform TEXT,
    source TEXT,
    render TEXT,
    status TEXT NOT NULL DEFAULT 'operating',
    extra_json TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
  );
  CREATE TABLE site_results (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL REFERENCES sites(id),
    url TEXT NOT NULL,
    verdict TEXT NOT NULL,              -- pass | fail
    score REAL NOT NULL,
    decided_by_json TEXT NOT NULL,
    stats_json TEXT NOT NULL,
    error_kind TEXT,
    error_message TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (run_id, site_id)
  );
  CREATE TABLE check_results (
    run_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    summary_json TEXT,
    PRIMARY KEY (run_id, site_id, check_id),
    FOREIGN KEY (run_id, site_id) REFERENCES site_results(run_id, site_id) ON DELETE CASCADE
  );
  CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    check_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    rule TEXT,
    severity TEXT NOT NULL,
    tier TEXT NOT NULL,
    points REAL,
    url TEXT NOT NULL,
    target TEXT,
    code TEXT NOT NULL,
    params_json TEXT NOT NULL,
    message TEXT NOT NULL,
    message_en TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    UNIQUE (run_id, site_id, check_id, seq),
    FOREIGN KEY (run_id, site_id, check_id) REFERENCES check_results(run_id, site_id, check_id) ON DELETE CASCADE
  );
  CREATE INDEX findings_site ON findings(site_id, run_id);
  CREATE INDEX findings_fp ON findings(fingerprint);
  `,
  // Registry (src/registry/), run membership for resumable quarterly runs (src/run/).
  `
  ALTER TABLE sites ADD COLUMN in_registry INTEGER NOT NULL DEFAULT 0; -- 1 = listed in the imported registry
  ALTER TABLE sites ADD COLUMN registry_seq TEXT;                       -- the registry's own 序号/id
  ALTER TABLE sites ADD COLUMN registry_import_id INTEGER;              -- import that last wrote the row
  CREATE TABLE registry_imports (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    mode TEXT NOT NULL,                 -- merge | replace
    rows INTEGER NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    imported_at TEXT NOT NULL
  );
  -- Sites of a run, snapshotted from the registry when the run starts (or resumes with more sites):
  -- the tables count operating sites from here; planned = 1 for the sites the run checks.
  CREATE TABLE run_sites (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    grp TEXT,
    owner TEXT,
    name TEXT,
    url TEXT NOT NULL,
    site_json TEXT NOT NULL,
    planned INTEGER NOT NULL DEFAULT 1,
    added_at TEXT NOT NULL,
    PRIMARY KEY (run_id, site_id)
  );
  -- checked = the site was inspected (pass or fail); error = govcheck could not finish it (listed for manual review).
  ALTER TABLE site_results ADD COLUMN outcome TEXT NOT NULL DEFAULT 'checked';
  CREATE INDEX runs_quarter ON runs(quarter, created_at);
  `,
  // Reviews of findings and allow-list entries (src/store/reviews.ts, `govcheck serve`).
  `
  CREATE TABLE finding_reviews (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,          -- findings.fingerprint: the same problem in any run
    check_id TEXT NOT NULL,
    run_id TEXT,                        -- run whose finding was reviewed
    finding_id INTEGER,                 -- findings.id reviewed (may be gone after a re-check)
    status TEXT NOT NULL,               -- disputed | false_positive | upheld; the newest row is current
    comment TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX finding_reviews_fp ON finding_reviews(site_id, fingerprint, id);
  CREATE TABLE allow_list (
    id INTEGER PRIMARY KEY,
    check_id TEXT NOT NULL,
    scope TEXT NOT NULL,                -- a site id, or '*' for every site
    value TEXT NOT NULL,                -- compared with the finding's target (else its page URL)
    fingerprint TEXT,                   -- the finding it was made from
    comment TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (check_id, scope, value)
  );
  -- Why a finding no longer counts: 'false_positive' (review) or 'allow_list'; NULL = it counts.
  ALTER TABLE findings ADD COLUMN excluded TEXT;
  -- The verdict as first computed, kept while reviews change verdict/score/decided_by_json (NULL = unchanged).
  ALTER TABLE site_results ADD COLUMN raw_verdict TEXT;
  ALTER TABLE site_results ADD COLUMN raw_score REAL;
  ALTER TABLE site_results ADD COLUMN raw_decided_by_json TEXT;
  `,
  // Availability probes of websites (W-V1 series; queues/ probe rounds, src/store/probes.ts). One row per
  // site and probe round: storing a round again replaces it, never duplicates it.
  `
  CREATE TABLE availability_probes (
    site_id TEXT NOT NULL,
    round TEXT NOT NULL,                -- probe round (the scheduler's job id)
    url TEXT NOT NULL,
    probed_at TEXT NOT NULL,            -- ISO time the visit started (UTC)
    ok INTEGER NOT NULL,                -- 1 = 2xx within the time limit
    status INTEGER,
    error_kind TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (site_id, round)
  );
  CREATE INDEX availability_probes_time ON availability_probes(site_id, probed_at);
  `,
  // The indicator rules a run's verdicts are computed with (JSON of config Rules), stored when the run is
  // created, so reviews, allow-list entries, re-checks and the web app recompute its verdicts with the same
  // rules. NULL for runs made before this column: those are recomputed with the default rules.
  `
  ALTER TABLE runs ADD COLUMN rules_json TEXT;
  `,
  // Reminder letters (提醒函) of a quarterly run, one per owner unit (src/store/letters.ts, `govcheck notice
  // --letters`). The number and date, once given, stay when the letters are generated again; reply_by is
  // the deadline the rectification follow-up reads.
  `
  CREATE TABLE IF NOT EXISTS letters (
    run_id TEXT NOT NULL,
    owner TEXT NOT NULL,                -- 主办单位 as in the registry (the site name when it names none)
    letter_no TEXT NOT NULL,            -- e.g. 〔2024Q2〕第001号
    issued_on TEXT NOT NULL,            -- YYYY-MM-DD, China time
    reply_by TEXT NOT NULL,             -- YYYY-MM-DD, reply deadline
    file TEXT NOT NULL,                 -- DOCX file name (no folder)
    PRIMARY KEY (run_id, owner)
  );
  `,
  // Accounts, sessions, the rectification loop (整改) and the audit log (src/store/accounts.ts,
  // rectification.ts, audit.ts; \`govcheck user\`, \`govcheck serve\`). Nothing here is ever deleted: users are
  // disabled, sessions revoked or expired, rectification steps and audit rows only added.
  `
  CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'unit')),
    password_hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$hash (base64url)
    token_hash TEXT,                      -- sha256 (hex) of the personal API token
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS users_token ON users(token_hash) WHERE token_hash IS NOT NULL;
  -- What a unit user may see: registry owners (主办单位) and groups (部门/地区).
  CREATE TABLE IF NOT EXISTS user_units (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('owner', 'group')),
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, value)
  );
  CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,             -- sha256 (hex) of the session id in the cookie
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
  -- Secrets of the server kept across restarts (the cookie-signing key of the accounts mode).
  CREATE TABLE IF NOT EXISTS serve_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- Steps of the rectification of one finding, keyed like reviews by (site, fingerprint) so it carries
  -- across re-checks and runs; the newest row is the current state.
  CREATE TABLE IF NOT EXISTS rectification_steps (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    run_id TEXT NOT NULL,                 -- the run whose finding it is (its deadline comes from that run)
    finding_id INTEGER,
    check_id TEXT NOT NULL,
    rule TEXT,
    message TEXT NOT NULL,                -- the finding as reported (kept when a re-check no longer finds it)
    status TEXT NOT NULL CHECK (status IN ('reported', 'rechecking', 'confirmed', 'not_fixed')),
    note TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    user_id INTEGER,
    created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS rectification_key ON rectification_steps(site_id, fingerprint, id);
  CREATE INDEX IF NOT EXISTS rectification_run ON rectification_steps(run_id, status);
  CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,                  -- user name, or 'cli' / 'token' / 'local' in the one-person modes
    user_id INTEGER,
    action TEXT NOT NULL,                 -- e.g. user.add, review.add, rectification.report
    target TEXT,                          -- what it is about (user name, site id + fingerprint…)
    before_json TEXT,
    after_json TEXT
  );
  CREATE INDEX IF NOT EXISTS audit_at ON audit_log(at);
  `,
  // List indexes for the review app and /api/v1 at scale (src/server/site-query.ts: 14,000 sites and a
  // million findings a run): sites with a counted problem of an indicator, sites with a failing check,
  // sites with findings excluded by a review, and each listed site's problem counts (covering).
  `
  CREATE INDEX IF NOT EXISTS findings_run_rule ON findings(run_id, rule, severity, excluded, tier, site_id);
  CREATE INDEX IF NOT EXISTS findings_run_site_facets ON findings(run_id, site_id, severity, rule, tier, excluded);
  CREATE INDEX IF NOT EXISTS findings_run_excluded ON findings(run_id, excluded, site_id) WHERE excluded IS NOT NULL;
  CREATE INDEX IF NOT EXISTS check_results_run_check ON check_results(run_id, check_id, status, site_id);
  CREATE INDEX IF NOT EXISTS run_sites_run_unit ON run_sites(run_id, grp, owner);
  `,
];

/** Database files opened by this process (named by `storeErrorFrom` when a later statement fails). */
const openedFiles = new Set<string>();

export interface OpenDbOptions {
  /**
   * Commands that only read (table, notice, serve's read paths): a database file this process may not
   * write is opened read-only, without migrations (a one-line error when it needs migrations).
   */
  readOnlyOk?: boolean;
}

function writable(file: string): boolean {
  try {
    accessSync(file, fsConstants.W_OK);
    accessSync(path.dirname(path.resolve(file)), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function openDb(file: string, o: OpenDbOptions = {}): DB {
  const readOnly = !!o.readOnlyOk && file !== ':memory:' && existsSync(file) && !writable(file);
  if (file !== ':memory:' && !readOnly) {
    // One level only: a recursive mkdir spins forever on some pseudo file systems (/proc).
    const dir = path.dirname(path.resolve(file));
    if (!existsSync(dir)) {
      try {
        mkdirSync(dir);
      } catch (e) {
        throw new StoreError(`cannot create the folder of database ${file}: ${(e as Error).message}`);
      }
    }
  }
  let db: DB;
  try {
    db = readOnly ? openReadOnly(file) : new Database(file);
    if (!readOnly) db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    if (!readOnly) db.pragma('synchronous = NORMAL');
    // Reading the schema reads the file header: a file that is not SQLite fails here, not mid-command.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    throw storeErrorFrom(e, file);
  }
  openedFiles.add(file);
  try {
    assertGovcheckSchema(db, file);
    if (readOnly) {
      const v = db.pragma('user_version', { simple: true }) as number;
      if (v < MIGRATIONS.length) throw new StoreError(`database ${file} is read-only and needs an upgrade of its schema (version ${v} → ${MIGRATIONS.length}); open it once with write access`);
    } else migrate(db);
  } catch (e) {
    db.close();
    throw storeErrorFrom(e, file);
  }
  return db;
}

/**
 * A database this process may not write, opened read-only. SQLite needs to create the -shm file beside a
 * WAL database even to read it; in a folder this user may not write, the file is read from a private
 * snapshot copy instead (removed at exit).
 */
function openReadOnly(file: string): DB {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test(code)) throw e;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-ro-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = path.join(dir, path.basename(file));
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  return new Database(copy, { readonly: true, fileMustExist: true });
}

/** Tables each schema version has, computed by applying the migrations to an empty database. */
let tablesByVersion: string[][] | undefined;
function expectedTables(version: number): string[] {
  if (!tablesByVersion) {
    tablesByVersion = [[]];
    const mem = new Database(':memory:');
    for (const m of MIGRATIONS) {
      mem.exec(m);
      tablesByVersion.push((mem.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name));
    }
    mem.close();
  }
  return tablesByVersion[Math.min(version, MIGRATIONS.length)];
}

/**
 * Refuses a database that is not govcheck's (another application's SQLite file: govcheck would otherwise
 * add its tables to it) or that lost tables (dropped by hand, a damaged file): one clear error at open,
 * not a stack trace from the first statement that touches the missing table.
 */
function assertGovcheckSchema(db: DB, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string }>).map((r) => r.name);
  if (version === 0) {
    if (tables.length) {
      throw new StoreError(`${file} is not a govcheck database (it holds tables of another application: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? '…' : ''}); give another --db file`);
    }
    return;
  }
  if (version > MIGRATIONS.length) return; // migrate() names the version problem
  const have = new Set(tables);
  const missing = expectedTables(version).filter((t) => !have.has(t));
  if (missing.length === expectedTables(version).length) {
    throw new StoreError(`${file} is not a govcheck database (schema version ${version} but none of govcheck's tables); give another --db file`);
  }
  if (missing.length) {
    throw new StoreError(`database ${file} is damaged: table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing; restore it from a backup or use another --db file`);
  }
}

/**
 * The one mapping from a database failure to a one-line StoreError, for every command: opening, migrating,
 * reading and writing. SQLite's codes say what happened (not a database, damaged, disk full, locked,
 * read-only…); the message names the file and what to do. A failed write was rolled back by its
 * transaction, so the database stays as it was before the command.
 */
export function storeErrorFrom(e: unknown, file?: string): Error {
  if (e instanceof StoreError) return e;
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  if (err?.name !== 'SqliteError' && !code.startsWith('SQLITE_')) return e as Error;
  const name = file ?? (openedFiles.size === 1 ? [...openedFiles][0] : undefined);
  const db = name ? `database ${name}` : 'the database';
  const detail = String(err.message ?? '').split('\n')[0];
  const family = /^SQLITE_([A-Z]+)/.exec(code)?.[1] ?? '';
  switch (family) {
    case 'NOTADB':
      return new StoreError(`${db} is not a SQLite database (${detail}); give another --db file`);
    case 'CORRUPT':
      return new StoreError(`${db} is damaged (${detail}); restore it from a backup or use another --db file`);
    case 'FULL':
      return new StoreError(`${db}: the disk is full (${detail}); the write was rolled back — free space and run the command again`);
    case 'BUSY':
    case 'LOCKED':
      return new StoreError(`${db} is locked by another process (waited 10 s: ${detail}); run the command again when it has finished`);
    case 'READONLY':
      return new StoreError(`${db} cannot be written (${detail}); check the file's permissions or use another --db file`);
    case 'CANTOPEN':
    case 'PERM':
    case 'AUTH':
      return new StoreError(`cannot open ${db} (${detail})`);
    case 'IOERR':
      return new StoreError(`${db}: input/output error (${detail}); the write was rolled back — check the disk`);
    default:
      if (/no such (table|column)|has no column/i.test(detail)) {
        return new StoreError(`${db} is damaged or not govcheck's (${detail}); restore it from a backup or use another --db file`);
      }
      return new StoreError(`${db}: ${detail}${code ? ` (${code})` : ''}`);
  }
}

export function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError(`database schema version ${current} is newer than this govcheck (${MIGRATIONS.length}); upgrade govcheck`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Stable identity of a finding across runs (for new / fixed / persisting comparisons). */
export function fingerprint(siteId: string, f: Finding): string {
  return [siteId, f.checkId, f.code, f.rule ?? '', f.target ?? f.url].join('\u001f');
}

export interface RunRow {
  id: string;
  kind: string;
  quarter: string | null;
  as_of: string;
  status: string;
  options_json: string;
  created_at: string;
  finished_at: string | null;
  /** The indicator rules the run is judged with (JSON); null for runs made before they were stored. */
  rules_json: string | null;
}

/**
 * Creates a run (or reopens an ad-hoc one). `rules` are the indicator rules its verdicts are computed
 * with; they are stored once, when the run is created (or on the first call that gives them, for a run
 * that has none), and a run keeps them: resuming it with another config does not re-judge it.
 */
export function ensureRun(db: DB, run: { id: string; kind: 'adhoc' | 'quarter'; quarter?: string; asOf: string; options?: unknown; rules?: Rules }): void {
  db.prepare(
    `INSERT INTO runs (id, kind, quarter, as_of, status, options_json, created_at, rules_json) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET status = CASE WHEN runs.status = 'done' AND excluded.kind = 'adhoc' THEN 'running' ELSE runs.status END,
       rules_json = COALESCE(runs.rules_json, excluded.rules_json)`,
  ).run(run.id, run.kind, run.quarter ?? null, run.asOf, JSON.stringify(run.options ?? {}), new Date().toISOString(), run.rules ? JSON.stringify(run.rules) : null);
}

export function finishRun(db: DB, runId: string, status: 'done' | 'interrupted' = 'done'): void {
  db.prepare(`UPDATE runs SET status = ?, finished_at = ? WHERE id = ?`).run(status, new Date().toISOString(), runId);
}

/** The `sites` columns of a site as registered (status `operating` unless it says otherwise). */
export function siteColumns(site: SiteRef & { status?: string }) {
  return {
    url: site.url,
    name: site.name ?? null,
    kind: site.kind,
    grp: site.group ?? null,
    owner: site.owner ?? null,
    site_code: site.siteCode ?? null,
    platform: site.platform ?? null,
    source: site.source ?? null,
    render: site.render ?? null,
    status: site.status ?? 'operating',
  };
}

export function upsertSite(db: DB, site: SiteRef & { status?: string }): void {
  db.prepare(
    `INSERT INTO sites (id, url, name, kind, grp, owner, site_code, platform, source, render, status, updated_at)
     VALUES (@id, @url, @name, @kind, @grp, @owner, @site_code, @platform, @source, @render, @status, @now)
     ON CONFLICT(id) DO UPDATE SET url = excluded.url, name = COALESCE(excluded.name, sites.name), kind = excluded.kind,
       grp = COALESCE(excluded.grp, sites.grp), owner = COALESCE(excluded.owner, sites.owner), site_code = COALESCE(excluded.site_code, sites.site_code),
       platform = COALESCE(excluded.platform, sites.platform), source = COALESCE(excluded.source, sites.source), render = COALESCE(excluded.render, sites.render),
       status = excluded.status, updated_at = excluded.updated_at`,
  ).run({
    id: site.id,
    ...siteColumns(site),
    now: new Date().toISOString(),
  });
}

/**
 * Writes one site's whole result atomically; an earlier result of the same run and site is replaced.
 * Reviews and allow-list entries of the site are re-applied (src/store/reviews.ts): a confirmed false
 * positive stays excluded from the verdict after a re-check or in the next quarter. The verdict is
 * recomputed with the run's stored rules (`runRules`); `opts.rules` only stand in for a run that has none.
 */
export function saveSiteResult(db: DB, runId: string, result: SiteResult, opts: { rules?: Rules } = {}): void {
  const write = db.transaction(() => {
    upsertSite(db, result.site);
    db.prepare(`DELETE FROM site_results WHERE run_id = ? AND site_id = ?`).run(runId, result.site.id);
    db.prepare(
      `INSERT INTO site_results (run_id, site_id, url, verdict, score, decided_by_json, stats_json, error_kind, error_message, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(runId, result.site.id, result.url, result.verdict, result.score, JSON.stringify(result.decidedBy), JSON.stringify(result.stats), result.error?.kind ?? null, result.error?.message ?? null, result.startedAt, result.finishedAt);
    const insCheck = db.prepare(`INSERT INTO check_results (run_id, site_id, check_id, status, error, duration_ms, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const insFinding = db.prepare(
      `INSERT INTO findings (run_id, site_id, check_id, seq, rule, severity, tier, points, url, target, code, params_json, message, message_en, evidence_json, fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const c of result.checks) {
      insCheck.run(runId, result.site.id, c.id, c.status, c.error ?? null, Math.round(c.durationMs), c.summary ? JSON.stringify(c.summary) : null);
      c.findings.forEach((f, i) => {
        insFinding.run(
          runId,
          result.site.id,
          c.id,
          i,
          f.rule ?? null,
          f.severity,
          f.tier,
          f.points ?? null,
          f.url,
          f.target ?? null,
          f.code,
          JSON.stringify(f.params),
          f.message,
          f.messageEn,
          JSON.stringify(f.evidence),
          fingerprint(result.site.id, f),
        );
      });
    }
    applyReviews(db, runId, result.site.id, opts);
  });
  write();
}

/** A stored finding row as a Finding, with its row id, site, position in its check and fingerprint. */
export interface FindingRow extends Finding {
  id: number;
  siteId: string;
  seq: number;
  fingerprint: string;
  /** Set when a review or the allow-list excludes the finding from the verdict. */
  excluded?: string;
}

/** The one mapping from a `findings` row to a finding (store, roll-ups and the web app read findings through it). */
export function findingFromRow(f: Record<string, string | number | null>): FindingRow {
  return {
    id: Number(f.id),
    siteId: String(f.site_id),
    seq: Number(f.seq),
    checkId: String(f.check_id),
    rule: (f.rule as string | null) ?? undefined,
    severity: f.severity as Finding['severity'],
    tier: f.tier as Finding['tier'],
    points: (f.points as number | null) ?? undefined,
    url: String(f.url),
    target: (f.target as string | null) ?? undefined,
    code: String(f.code),
    params: JSON.parse(String(f.params_json)),
    message: String(f.message),
    messageEn: String(f.message_en),
    evidence: JSON.parse(String(f.evidence_json)),
    fingerprint: String(f.fingerprint),
    excluded: (f.excluded as string | null | undefined) ?? undefined,
  };
}

interface SiteResultRow {
  run_id: string;
  site_id: string;
  url: string;
  verdict: 'pass' | 'fail';
  score: number;
  decided_by_json: string;
  stats_json: string;
  error_kind: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string;
}

/** Reads a stored site result back in the same shape it was written. */
export function loadSiteResult(db: DB, runId: string, siteId: string): SiteResult | undefined {
  const row = db.prepare(`SELECT * FROM site_results WHERE run_id = ? AND site_id = ?`).get(runId, siteId) as SiteResultRow | undefined;
  if (!row) return undefined;
  const site = db.prepare(`SELECT * FROM sites WHERE id = ?`).get(siteId) as Record<string, string | null>;
  const checks = db.prepare(`SELECT * FROM check_results WHERE run_id = ? AND site_id = ? ORDER BY rowid`).all(runId, siteId) as Array<Record<string, string | number | null>>;
  const findings = db.prepare(`SELECT * FROM findings WHERE run_id = ? AND site_id = ? ORDER BY check_id, seq`).all(runId, siteId) as Array<Record<string, string | number | null>>;
  const siteRef: SiteRef = {
    id: siteId,
    url: String(site.url),
    name: site.name ?? undefined,
    kind: (site.kind as SiteRef['kind']) ?? 'website',
    group: site.grp ?? undefined,
    owner: site.owner ?? undefined,
    siteCode: site.site_code ?? undefined,
    platform: site.platform ?? undefined,
    source: site.source ?? undefined,
  };
  const checkResults: CheckResult[] = checks.map((c) => ({
    id: String(c.check_id),
    status: c.status as CheckResult['status'],
    error: (c.error as string | null) ?? undefined,
    durationMs: Number(c.duration_ms),
    summary: c.summary_json ? JSON.parse(String(c.summary_json)) : undefined,
    findings: findings
      .filter((f) => f.check_id === c.check_id)
      .map((f): Finding => {
        const { checkId, rule, severity, tier, points, url, target, code, params, message, messageEn, evidence } = findingFromRow(f);
        return { checkId, rule, severity, tier, points, url, target, code, params, message, messageEn, evidence };
      }),
  }));
  return {
    site: siteRef,
    url: row.url,
    asOf: (db.prepare(`SELECT as_of FROM runs WHERE id = ?`).get(runId) as { as_of: string }).as_of,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    verdict: row.verdict,
    score: row.score,
    decidedBy: JSON.parse(row.decided_by_json),
    checks: checkResults,
    stats: JSON.parse(row.stats_json),
    error: row.error_kind ? { kind: row.error_kind as NonNullable<SiteResult['error']>['kind'], message: row.error_message ?? '' } : undefined,
  };
}
