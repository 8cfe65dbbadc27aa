/**
 * The registry in the store: rows of the `sites` table with in_registry = 1. An import writes every entry of a valid
 * file in one transaction (nothing when the file has a bad row: validation comes first), and logs itself in
 * registry_imports. Notes: docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { siteColumns, type DB } from '../store/db.js';
import type { SiteRef } from '../types.js';
import type { RegistryEntry } from './validate.js';

export interface RegistrySite extends SiteRef {
  status: 'operating' | 'closed';
  seq?: string;
}

export interface ImportSummary {
  importId: number;
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  /** With mode "replace": registry entries absent from the file, taken out of the registry (history kept). */
  removed: number;
}

interface SiteRow {
  id: string;
  url: string;
  name: string | null;
  kind: string;
  grp: string | null;
  owner: string | null;
  site_code: string | null;
  platform: string | null;
  source: string | null;
  render: string | null;
  status: string;
  in_registry: number;
  registry_seq: string | null;
}

function rowToSite(r: SiteRow): RegistrySite {
  return {
    id: r.id,
    url: r.url,
    name: r.name ?? undefined,
    kind: r.kind === 'newmedia' ? 'newmedia' : 'website',
    group: r.grp ?? undefined,
    owner: r.owner ?? undefined,
    siteCode: r.site_code ?? undefined,
    platform: r.platform ?? undefined,
    source: r.source ?? undefined,
    render: r.render === 'browser' || r.render === 'html' ? r.render : undefined,
    status: r.status === 'closed' ? 'closed' : 'operating',
    seq: r.registry_seq ?? undefined,
  };
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const FIELDS = ['url', 'name', 'kind', 'grp', 'owner', 'site_code', 'platform', 'source', 'render', 'status', 'registry_seq'] as const;

function entryColumns(e: RegistryEntry): Record<(typeof FIELDS)[number], string | null> {
  return { ...siteColumns(e), registry_seq: e.seq ?? null };
}

/** Writes validated entries (all or nothing). "merge" keeps registry entries the file does not list; "replace" takes them out. */
export function importEntries(db: DB, entries: RegistryEntry[], meta: { file: string; format: string; sha256: string; mode: 'merge' | 'replace' }): ImportSummary {
  const now = new Date().toISOString();
  return db.transaction(() => {
    const log = db
      .prepare(`INSERT INTO registry_imports (file, format, sha256, mode, rows, added, updated, unchanged, removed, imported_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, ?)`)
      .run(meta.file, meta.format, meta.sha256, meta.mode, entries.length, now);
    const importId = Number(log.lastInsertRowid);
    const get = db.prepare(`SELECT * FROM sites WHERE id = ?`);
    const insert = db.prepare(
      `INSERT INTO sites (id, url, name, kind, grp, owner, site_code, platform, source, render, status, registry_seq, in_registry, registry_import_id, updated_at)
       VALUES (@id, @url, @name, @kind, @grp, @owner, @site_code, @platform, @source, @render, @status, @registry_seq, 1, @importId, @now)`,
    );
    const update = db.prepare(
      `UPDATE sites SET url = @url, name = @name, kind = @kind, grp = @grp, owner = @owner, site_code = @site_code, platform = @platform,
         source = @source, render = @render, status = @status, registry_seq = @registry_seq, in_registry = 1, registry_import_id = @importId, updated_at = @now
       WHERE id = @id`,
    );
    const touch = db.prepare(`UPDATE sites SET registry_import_id = ? WHERE id = ?`);
    let added = 0;
    let updated = 0;
    let unchanged = 0;
    for (const e of entries) {
      const cols = entryColumns(e);
      const old = get.get(e.id) as (SiteRow & Record<string, unknown>) | undefined;
      if (!old) {
        insert.run({ id: e.id, ...cols, importId, now });
        added++;
      } else if (old.in_registry === 1 && FIELDS.every((f) => (old[f] ?? null) === cols[f])) {
        touch.run(importId, e.id);
        unchanged++;
      } else {
        update.run({ id: e.id, ...cols, importId, now });
        if (old.in_registry === 1) updated++;
        else added++;
      }
    }
    let removed = 0;
    if (meta.mode === 'replace') {
      removed = db.prepare(`UPDATE sites SET in_registry = 0, updated_at = ? WHERE in_registry = 1 AND (registry_import_id IS NULL OR registry_import_id <> ?)`).run(now, importId).changes;
    }
    db.prepare(`UPDATE registry_imports SET added = ?, updated = ?, unchanged = ?, removed = ? WHERE id = ?`).run(added, updated, unchanged, removed, importId);
    return { importId, rows: entries.length, added, updated, unchanged, removed };
  })();
}

export interface RegistryFilter {
  kind?: SiteRef['kind'];
  /** Group name, or site id / URL / name (for --only). */
  group?: string;
  status?: 'operating' | 'closed';
}

/** Registry entries, in registry order (序号 when numeric, then name). */
export function listRegistry(db: DB, f: RegistryFilter = {}): RegistrySite[] {
  const where = ['in_registry = 1'];
  const args: string[] = [];
  if (f.kind) {
    where.push('kind = ?');
    args.push(f.kind);
  }
  if (f.group) {
    where.push('grp = ?');
    args.push(f.group);
  }
  if (f.status) {
    where.push('status = ?');
    args.push(f.status);
  }
  const rows = db.prepare(`SELECT * FROM sites WHERE ${where.join(' AND ')}`).all(...args) as SiteRow[];
  const num = (s: string | null) => (s !== null && /^\d+$/.test(s) ? Number(s) : Number.POSITIVE_INFINITY);
  return rows.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'website' ? -1 : 1) || num(a.registry_seq) - num(b.registry_seq) || (a.registry_seq ?? '').localeCompare(b.registry_seq ?? '') || a.id.localeCompare(b.id)).map(rowToSite);
}

export interface ImportLogRow {
  id: number;
  file: string;
  format: string;
  sha256: string;
  mode: string;
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  imported_at: string;
}

export function importLog(db: DB): ImportLogRow[] {
  return db.prepare(`SELECT * FROM registry_imports ORDER BY id`).all() as ImportLogRow[];
}
