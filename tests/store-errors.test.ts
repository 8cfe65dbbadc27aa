/**
 * Database failures become one-line StoreErrors through one mapper (storeErrorFrom), for every command.
 * Disk full is real SQLite behaviour: the connection's page budget (PRAGMA max_page_count) is reached
 * in the middle of a result's write, which SQLite reports as SQLITE_FULL, as a full disk.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRun, openDb, saveSiteResult, storeErrorFrom, StoreError } from '../src/store/db.js';
import type { SiteResult } from '../src/types.js';
import { tmpDir } from './helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

function bigResult(id: string): SiteResult {
  const findings = Array.from({ length: 400 }, (_, i) => ({
    checkId: 'broken-links',
    severity: 'deduction' as const,
    tier: 'confirmed' as const,
    url: `http://a.gov.cn/p${i}.html`,
    target: `http://a.gov.cn/t${i}.html`,
    code: 'broken',
    params: { n: i },
    message: '链接不可用'.repeat(20),
    messageEn: 'broken link '.repeat(20),
    evidence: { snippet: 'x'.repeat(500) },
  }));
  return {
    site: { id, url: 'http://a.gov.cn/', kind: 'website' },
    url: 'http://a.gov.cn/',
    asOf: '2024-07-01',
    startedAt: '2024-07-01T00:00:00Z',
    finishedAt: '2024-07-01T00:01:00Z',
    verdict: 'fail',
    score: 50,
    decidedBy: [],
    checks: [{ id: 'broken-links', status: 'fail', findings, durationMs: 1 }],
    stats: { pages: 1, links: 1, durationMs: 1, skippedByLimit: 0, errors: 0 },
  };
}

describe('storeErrorFrom', () => {
  it('disk full during a write: one line naming the file, and the write rolled back', () => {
    const file = path.join(tmp.dir, 'full.db');
    const db = openDb(file);
    ensureRun(db, { id: 'r1', kind: 'adhoc', asOf: '2024-07-01' });
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    let caught: unknown;
    try {
      saveSiteResult(db, 'r1', bigResult('a.gov.cn'));
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string })?.code).toBe('SQLITE_FULL');
    const mapped = storeErrorFrom(caught, file);
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped.message).toBe(`database ${file}: the disk is full (database or disk is full); the write was rolled back — free space and run the command again`);
    expect(mapped.message).not.toContain('\n');
    expect((db.prepare('SELECT count(*) n FROM site_results').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT count(*) n FROM findings').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('names the only open database when the statement that failed does not say which', () => {
    const e = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
    expect(storeErrorFrom(e).message).toMatch(/^database .*full\.db is locked by another process/);
    const other = new TypeError('not a database error');
    expect(storeErrorFrom(other)).toBe(other);
  });
});
