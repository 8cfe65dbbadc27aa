/**
 * The masking guarantee end to end: `govcheck check` on a site leaking ID, mobile and bank card numbers in HTML,
 * PDF, XLSX, XLS, DOCX and CSV. No full number may appear in stdout or stderr (JSON and text) nor in any
 * row of any table of the SQLite database (which holds the Chinese and the English messages).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leakSite, luhnNumber, residentId, type LeakTruth } from './fixtures/security.js';
import { serve, type Served } from './fixtures/site.js';
import { runCli, tmpDir } from './helpers.js';

let s: Served;
let truth: LeakTruth;
const tmp = tmpDir();

beforeAll(async () => {
  const site = await leakSite();
  truth = site.truth;
  s = await serve(site.routes);
});
afterAll(async () => {
  await s.close();
  tmp.cleanup();
});

const leaked = (text: string) => truth.secrets.filter((x) => text.includes(x));

describe('no full personal number in any output or database row', () => {
  it('masks in JSON and text output and in every stored row', async () => {
    const db = path.join(tmp.dir, 'leaks.db');
    const json = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--format', 'json', '--db', db, '--as-of', '2024-07-01'], { timeoutMs: 120_000 });
    expect(leaked(json.stdout + json.stderr)).toEqual([]);
    const out = JSON.parse(json.stdout);
    expect(json.code).toBe(1);
    expect(out.verdict).toBe('fail');
    expect(out.decidedBy).toContainEqual(expect.objectContaining({ rule: 'W-V4', kind: 'veto' }));
    const privacy = out.checks.find((c: { id: string }) => c.id === 'privacy-leaks');
    const masked = privacy.findings.filter((f: { code: string }) => f.code === 'id-leak').flatMap((f: { evidence: { items: Array<{ masked: string }> } }) => f.evidence.items.map((i) => i.masked));
    expect(masked.sort()).toEqual(truth.ids.map((i) => i.masked).sort());

    // Text output (the English messages are checked through the database, which stores both languages).
    const text = await runCli(['check', `${s.origin}/`, '--allow-private-network', '--no-store', '--as-of', '2024-07-01'], { timeoutMs: 120_000 });
    expect(text.code).toBe(1);
    expect(leaked(text.stdout + text.stderr)).toEqual([]);
    expect(text.stdout).toContain('个完整的居民身份证号码');

    const conn = new Database(db, { readonly: true });
    const tables = (conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    expect(tables).toContain('findings');
    let rows = 0;
    for (const t of tables) {
      for (const row of conn.prepare(`SELECT * FROM "${t}"`).all()) {
        rows++;
        expect(leaked(JSON.stringify(row)), `table ${t}`).toEqual([]);
      }
    }
    expect(rows).toBeGreaterThan(10);
    const stored = conn.prepare("SELECT count(*) n FROM findings WHERE check_id = 'privacy-leaks' AND code = 'id-leak'").get() as { n: number };
    expect(stored.n).toBe(6); // one finding per document: the list page (two IDs), PDF, XLSX, XLS, DOCX, CSV
    conn.close();
  });

  it('masks numbers a check echoes in its summary (version headers, generator meta) in JSON, text and every row', async () => {
    // Personal numbers in Server, X-Powered-By, X-AspNet-Version and <meta name="generator">: the exposure
    // check reports them as disclosed versions, and its summary (summary.disclosed[].value) used to keep them in full.
    const id = residentId('330106', '19880808', '321');
    const mobile = '13712345678';
    const card = luhnNumber('6217001234', 19);
    const mobile2 = '15012345679';
    const secrets = [id, mobile, card, mobile2];
    const routes = new Map([
      [
        '/',
        {
          headers: { 'content-type': 'text/html; charset=utf-8', server: `nginx/1.18 ${id}`, 'x-powered-by': `PHP/7.4 ${mobile}`, 'x-aspnet-version': `4.0 ${card}` },
          body: `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="generator" content="SiteCMS 5.2 ${mobile2}"><title>示例局</title></head><body><h1>示例局</h1><p>政务公开</p></body></html>`,
        },
      ],
    ]);
    const h = await serve(routes);
    try {
      const db = path.join(tmp.dir, 'headers.db');
      const json = await runCli(['check', `${h.origin}/`, '--allow-private-network', '--format', 'json', '--db', db, '--as-of', '2024-07-01', '--checks', 'exposure'], { timeoutMs: 60_000 });
      const found = (t: string) => secrets.filter((x) => t.includes(x));
      expect(json.stderr).toBe('');
      expect(found(json.stdout + json.stderr)).toEqual([]);
      const out = JSON.parse(json.stdout);
      const exposure = out.checks.find((c: { id: string }) => c.id === 'exposure');
      const values = exposure.summary.disclosed.map((d: { value: string }) => d.value);
      expect(values).toHaveLength(4);
      expect(values.join(' ')).toContain('137****5678');
      const text = await runCli(['check', `${h.origin}/`, '--allow-private-network', '--no-store', '--as-of', '2024-07-01', '--checks', 'exposure', '--lang', 'en'], { timeoutMs: 60_000 });
      expect(found(text.stdout + text.stderr)).toEqual([]);
      const conn = new Database(db, { readonly: true });
      const tables = (conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
      let summaries = 0;
      for (const t of tables) {
        for (const row of conn.prepare(`SELECT * FROM "${t}"`).all()) {
          expect(found(JSON.stringify(row)), `table ${t}`).toEqual([]);
          if ((row as { summary_json?: string }).summary_json?.includes('disclosed')) summaries++;
        }
      }
      expect(summaries).toBe(1);
      conn.close();
    } finally {
      await h.close();
    }
  });
});
