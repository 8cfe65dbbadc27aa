/**
 * Registry of websites and new-media accounts: read a file (CSV, XLSX, YAML; Chinese or English
 * headers), validate every row (line numbers and reasons), import all or nothing, list, export.
 */
import { readFileSync } from 'node:fs';
import type { DB } from '../store/db.js';
import type { GroupsConfig } from './groups.js';
import { formatOf, readRegistryFile, type RawTable, type RegistryFormat } from './read.js';
import { importEntries, sha256, type ImportSummary } from './store.js';
import { validateRegistry, type Reason, type RegistryEntry, type RowError } from './validate.js';

export * from './fields.js';
export * from './groups.js';
export * from './read.js';
export * from './store.js';
export * from './validate.js';

export type ImportOutcome = { ok: true; summary: ImportSummary; entries: RegistryEntry[]; warnings: Reason[]; table: RawTable } | { ok: false; errors: RowError[]; warnings: Reason[]; table?: RawTable };

/** Reads, validates and (when every row is valid, and not a dry run) imports a registry file. */
export async function importRegistryFile(db: DB | undefined, file: string, opts: { groups: GroupsConfig; mode?: 'merge' | 'replace'; format?: RegistryFormat; dryRun?: boolean }): Promise<ImportOutcome> {
  const format = opts.format ?? formatOf(file);
  const table = await readRegistryFile(file, format);
  const { entries, errors, warnings } = validateRegistry(table, opts.groups);
  if (errors.length) return { ok: false, errors, warnings, table };
  if (opts.dryRun || !db) {
    return { ok: true, summary: { importId: 0, rows: entries.length, added: 0, updated: 0, unchanged: 0, removed: 0 }, entries, warnings, table };
  }
  const summary = importEntries(db, entries, { file, format, sha256: sha256(readFileSync(file)), mode: opts.mode ?? 'merge' });
  return { ok: true, summary, entries, warnings, table };
}
