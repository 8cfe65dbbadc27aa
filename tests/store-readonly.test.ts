/**
 * A database the user may not write (a copy handed to a reviewer, a file owned by the service account): `table` and
 * `notice` read it all the same (opened read-only, no migrations); an older schema that would need migrations is one
 * clear line. Run as an unprivileged user when the tests run as root (root may write any file).
 */
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistryFile, loadGroups } from '../src/registry/index.js';
import { loadConfig } from '../src/config.js';
import { parseQuarter } from '../src/run/quarter.js';
import { runQuarter } from '../src/run/runner.js';
import { MIGRATIONS, openDb } from '../src/store/db.js';
import { CLI, tmpDir, type CliResult } from './helpers.js';

const tmp = tmpDir('govcheck-ro-test-');
const asRoot = process.getuid?.() === 0;

/** The CLI as a user who may not write the files (nobody, when we are root). */
function runReadOnly(args: string[]): Promise<CliResult> {
  const [cmd, argv] = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, HOME: tmp.dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dbFile: string;
beforeAll(async () => {
  chmodSync(tmp.dir, 0o755);
  dbFile = path.join(tmp.dir, 'inspection.db');
  const db = openDb(dbFile);
  const csv = path.join(tmp.dir, 'registry.csv');
  writeFileSync(csv, '名称,网址,部门/地区\n甲市人民政府,http://gone.example.gov.cn/,甲市\n');
  const r = await importRegistryFile(db, csv, { groups: loadGroups() });
  expect(r.ok).toBe(true);
  // The site's name does not resolve (hosts: null): no packet leaves the machine.
  const config = loadConfig(undefined, { hosts: { 'gone.example.gov.cn': null }, http: { retries: 0 }, gather: { retries: 0 } });
  await runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', asOfExplicit: true, config });
  db.close();
  chmodSync(dbFile, 0o444);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('read-only database', () => {
  it('table and notice read a database the user may not write, in a folder the user may not write', async () => {
    const t = await runReadOnly(['table', '--quarter', '2024Q2', '--db', dbFile, '--format', 'json']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('甲市');
    const n = await runReadOnly(['notice', '--quarter', '2024Q2', '--db', dbFile, '--format', 'md']);
    expect(n.stderr).toBe('');
    expect(n.code).toBe(0);
    expect(n.stdout).toContain('甲市');
    // Writing the .docx where the user may not write: one line naming the file, no stack trace.
    const out = path.join(tmp.dir, 'notice.docx');
    const d = await runReadOnly(['notice', '--quarter', '2024Q2', '--db', dbFile, '--out', out]);
    if (asRoot) {
      expect(d.code).toBe(2);
      expect(d.stderr).toBe(`govcheck: EACCES: permission denied, open '${out}'\n`);
    }
  }, 120_000);

  it('an older schema that needs migrations is one line', async () => {
    const old = path.join(tmp.dir, 'old.db');
    chmodSync(dbFile, 0o644);
    const db = openDb(old);
    db.exec('DROP TABLE availability_probes');
    db.pragma('user_version = 3');
    db.close();
    chmodSync(old, 0o444);
    const r = await runReadOnly(['table', '--quarter', '2024Q2', '--db', old]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`govcheck: database ${old} is read-only and needs an upgrade of its schema (version 3 → ${MIGRATIONS.length}); open it once with write access\n`);
  }, 60_000);
});

/** `govcheck serve` as a user who may not write the database; resolves with its origin once it listens. */
function serveReadOnly(args: string[]): Promise<{ origin: string; stop: () => Promise<string> }> {
  const [cmd, argv] = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'serve', ...args]] : [process.execPath, [CLI, 'serve', ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: { ...process.env, HOME: tmp.dir } });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const stop = () =>
      new Promise<string>((done) => {
        child.once('close', () => done(stderr));
        child.kill('SIGTERM');
      });
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: m[1], stop });
      }
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

describe('read-only database in the review app', () => {
  it('serves pages and downloads from a database the user may not write; a review answers 503 with one line, no stack', async () => {
    const s = await serveReadOnly(['--db', dbFile, '--port', '0']);
    try {
      const runs = await fetch(`${s.origin}/`);
      expect(runs.status).toBe(200);
      const runHref = /href="(\/runs\/[^"/]+)"/.exec(await runs.text())![1];
      const sites = await fetch(`${s.origin}${runHref}/sites`);
      expect(sites.status).toBe(200);
      const siteHref = /href="(\/runs\/[^"]+\/sites\/[^"?#]+)"/.exec(await sites.text())![1];
      const page = await fetch(`${s.origin}${siteHref}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
      const findingId = /action="\/findings\/(\d+)\/review"/.exec(html)![1];
      const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
      const post = await fetch(`${s.origin}/findings/${findingId}/review`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: s.origin },
        body: new URLSearchParams({ _csrf: csrf, status: 'upheld', comment: '', reviewer: '甲' }).toString(),
      });
      expect(post.status).toBe(503);
      const body = await post.text();
      expect(body).toContain('cannot be written');
      expect(body).not.toMatch(/\n\s+at /);
    } finally {
      const log = await s.stop();
      expect(log).not.toMatch(/\n\s+at .*\.js:\d+/);
    }
  }, 90_000);
});
