/**
 * Hardening of the command line (issue 17): what govcheck says when the input, the config or the
 * database is wrong — one line on stderr and exit 2, never a stack trace, never a silent pass.
 * Real CLI processes (dist/), real SQLite files, real HTTP servers on 127.0.0.1.
 */
import Database from 'better-sqlite3';
import { openSync, readFileSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Served } from './fixtures/site.js';
import { runCli, tmpDir } from './helpers.js';

let s: Served;
const tmp = tmpDir();

beforeAll(async () => {
  s = await serve(new Map([['/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例局</title></head><body><h1>示例局</h1></body></html>' }]]));
});
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

/** stderr is one line (plus, for option errors, the help hint), with no stack frame. */
function oneLine(stderr: string): string {
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr.trimEnd().split('\n');
  expect(lines.length, stderr).toBe(1);
  return lines[0];
}

describe('new-media account whose source cannot be read (item 5)', () => {
  const cases: Array<[string, () => string[]]> = [
    ['HTTP 404', () => [`${s.origin}/no-such-feed.xml`]],
    ['connection refused', () => ['http://127.0.0.1:1/feed.xml']],
    ['name does not resolve', () => ['http://feed.example.gov.cn/rss.xml', '--resolve', 'feed.example.gov.cn:-']],
  ];
  for (const [what, args] of cases) {
    it(`${what}: not checked (exit 2, one line, stored as not inspected), never 合格`, async () => {
      const db = path.join(tmp.dir, `nm-${what.replace(/\W+/g, '-')}.db`);
      const r = await runCli(['check', ...args(), '--platform', 'wechat', '--allow-private-network', '--db', db, '--as-of', '2024-07-01', '--timeout', '5'], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toMatch(/^govcheck: 未能完成检查 .*（未检查，无结论）/);
      const conn = new Database(db, { readonly: true });
      const row = conn.prepare('SELECT outcome, error_kind FROM site_results').get() as { outcome: string; error_kind: string };
      conn.close();
      expect(row.outcome).toBe('error');
      expect(row.error_kind).toBeTruthy();
      const json = await runCli(['check', ...args(), '--platform', 'wechat', '--allow-private-network', '--no-store', '--format', 'json', '--lang', 'en', '--timeout', '5'], { timeoutMs: 60_000 });
      expect(json.code).toBe(2);
      expect(json.stdout).not.toContain('"pass"');
      expect(oneLine(json.stderr)).toMatch(/^govcheck: could not check .* \(not inspected, no verdict\)/);
    });
  }
});

describe('config validation (item 10, unknown keys, --resolve)', () => {
  for (const bad of ['127.0.0.2/33', 'abc', '999.1.1.1/8']) {
    it(`allowNetworks entry ${bad} is refused at load with the key and the value`, async () => {
      const cfg = path.join(tmp.dir, `nets-${bad.replace(/\W+/g, '_')}.yaml`);
      writeFileSync(cfg, `allowNetworks:\n  - 10.0.0.0/8\n  - "${bad}"\n`);
      const r = await runCli(['check', `${s.origin}/`, '--config', cfg, '--no-store']);
      expect(r.code).toBe(2);
      const line = oneLine(r.stderr);
      expect(line).toContain('allowNetworks.1');
      expect(line).toContain(`"${bad}"`);
      expect(line).toContain(cfg);
      const flag = await runCli(['check', `${s.origin}/`, '--allow-network', bad, '--no-store']);
      expect(flag.code).toBe(2);
      expect(oneLine(flag.stderr)).toMatch(new RegExp(`^govcheck: --allow-network: allowNetworks\\.0: "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
    });
  }

  it('warns once per unknown key, with its path, and goes on', async () => {
    const cfg = path.join(tmp.dir, 'unknown.yaml');
    writeFileSync(cfg, 'gather:\n  pagelimit: 3\n  maxPages: 2\nbrowsr:\n  render: html\nrules:\n  passLine: 60\n  pasLine: 70\ngroups: [甲市, 乙市]\nchecks:\n  exposure:\n    maxRequests: 5\n');
    const r = await runCli(['check', `${s.origin}/`, '--config', cfg, '--allow-private-network', '--no-store', '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.sort()).toEqual([`govcheck: config: unknown key browsr (ignored) in ${cfg}`, `govcheck: config: unknown key gather.pagelimit (ignored) in ${cfg}`, `govcheck: config: unknown key rules.pasLine (ignored) in ${cfg}`].sort());
  });

  it('--resolve with a bad address names the flag, not a config file', async () => {
    const r = await runCli(['check', `${s.origin}/`, '--resolve', 'www.example.gov.cn:not-an-ip', '--no-store']);
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^govcheck: --resolve: hosts\.www\.example\.gov\.cn: "not-an-ip" is not an IPv4 or IPv6 address/);
    expect(line).not.toContain('defaults.yaml');
  });
});

describe('option errors (item 12)', () => {
  it('print one line and a hint, not the whole help', async () => {
    for (const [args, hint] of [
      [['check', `${s.origin}/`, '--max-pages', 'many'], 'govcheck check --help'],
      [['check'], 'govcheck check --help'],
      [['table', '--frobnicate'], 'govcheck table --help'],
      [['registry', 'import', '--bogus'], 'govcheck registry import --help'],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(2);
      expect(lines[0]).toMatch(/^govcheck: /);
      expect(lines[1]).toBe(`(see: ${hint})`);
      expect(r.stdout).toBe('');
    }
  });
});

describe('database problems: one line, exit 2 (item 9)', () => {
  const table = (db: string) => runCli(['table', '--quarter', '2024Q2', '--db', db]);

  it('a text file', async () => {
    const db = path.join(tmp.dir, 'text.db');
    writeFileSync(db, 'this is not a database\n'.repeat(100));
    const r = await table(db);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`govcheck: database ${db} is not a SQLite database (file is not a database); give another --db file`);
  });

  it("another application's SQLite database is refused and left untouched", async () => {
    const db = path.join(tmp.dir, 'other-app.db');
    const conn = new Database(db);
    conn.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE runs (x INTEGER)');
    conn.close();
    const r = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain(`${db} is not a govcheck database (it holds tables of another application: `);
    const after = new Database(db, { readonly: true });
    const tables = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    after.close();
    expect(tables).toEqual(['runs', 'users']);
  });

  it('a dropped table', async () => {
    const db = path.join(tmp.dir, 'dropped.db');
    const first = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(first.code).toBe(0);
    const conn = new Database(db);
    conn.exec('DROP TABLE findings');
    conn.close();
    const r = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`govcheck: database ${db} is damaged: table findings missing; restore it from a backup or use another --db file`);
  });

  it('a file damaged under a write', async () => {
    const db = path.join(tmp.dir, 'damaged.db');
    const first = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(first.code).toBe(0);
    const c = new Database(db);
    c.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = c.pragma('page_size', { simple: true }) as number;
    const sitesRoot = (c.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sites'").get() as { rootpage: number }).rootpage;
    c.close();
    // Garbage over the pages of the sites table and after it (the header, the schema and runs stay
    // readable): the database opens, and the write of the result meets the damage.
    const from = (sitesRoot - 1) * pageSize;
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    const junk = Buffer.alloc(size - from, 0xa5);
    writeSync(fd, junk, 0, junk.length, from);
    closeSync(fd);
    const r = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^govcheck: database ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged \\(`));
    expect(readFileSync(db).length).toBeGreaterThan(0);
  });

  it('a lock held past the wait', async () => {
    const db = path.join(tmp.dir, 'locked.db');
    const first = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-01']);
    expect(first.code).toBe(0);
    const holder = new Database(db);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const t0 = Date.now();
      const r = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--db', db, '--checks', 'exposure', '--as-of', '2024-07-02'], { timeoutMs: 40_000 });
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/is locked by another process \(waited 10 s/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 60_000);
});
