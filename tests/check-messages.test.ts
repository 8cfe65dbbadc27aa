/** The text catalogs: every check's entry in both languages with the same codes and placeholders, a message for every code a check emits, UI labels alike. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGS } from '../src/check-api/catalog.js';
import { CHECKS_DIR, loadChecks } from '../src/check-api/registry.js';
import { LABELS } from '../src/i18n.js';

/**
 * The `{name}` placeholders of a template, sorted; a parameter whose value differs by language is `name` in one
 * template and `nameEn` / `nameZh` in the other (e.g. `{reason}` / `{reasonEn}`), so the suffix is dropped.
 */
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1].replace(/(?<=[a-z])(?:En|Zh)$/, '')).sort();

/** Two tables of templates hold the same keys, and each key's two templates the same placeholders. */
function expectSameShape(zh: Record<string, string>, en: Record<string, string>, where: string) {
  expect(Object.keys(en).sort(), where).toEqual(Object.keys(zh).sort());
  for (const [k, z] of Object.entries(zh)) expect(placeholders(en[k] ?? ''), `${where} ${k}`).toEqual(placeholders(z));
}

describe('check catalogs (checks/messages/zh.json, en.json)', async () => {
  const checks = await loadChecks();
  const ids = checks.map((c) => c.meta.id);

  it('have an entry for every check and for nothing else', () => {
    expect(Object.keys(CATALOGS.zh).sort()).toEqual([...ids].sort());
    expect(Object.keys(CATALOGS.en).sort()).toEqual([...ids].sort());
  });

  for (const id of ids) {
    it(`${id}: the same title, description and codes in both languages, with the same placeholders`, () => {
      const zh = CATALOGS.zh[id]!;
      const en = CATALOGS.en[id]!;
      expect(zh.title).toMatch(/[\u4e00-\u9fff]/);
      expect(en.title).toMatch(/[A-Za-z]/);
      expectSameShape({ title: zh.title, description: zh.description }, { title: en.title, description: en.description }, id);
      expectSameShape(zh.messages, en.messages, id);
    });

    it(`${id}: every finding code the check file writes out (code: '…') has a message`, () => {
      const source = readFileSync(path.join(CHECKS_DIR, `${id}.ts`), 'utf8');
      const codes = [...source.matchAll(/\bcode: '([\w-]+)'/g)].map((m) => m[1]);
      for (const code of codes) expect(Object.keys(CATALOGS.zh[id]!.messages), `${id} ${code}`).toContain(code);
    });
  }

  it('are what the loaded checks carry on their meta', () => {
    for (const c of checks) {
      expect(c.meta.title).toEqual({ zh: CATALOGS.zh[c.meta.id]!.title, en: CATALOGS.en[c.meta.id]!.title });
      expect(Object.keys(c.meta.messages)).toEqual(Object.keys(CATALOGS.zh[c.meta.id]!.messages));
      for (const [code, m] of Object.entries(c.meta.messages)) expect(m).toEqual({ zh: CATALOGS.zh[c.meta.id]!.messages[code], en: CATALOGS.en[c.meta.id]!.messages[code] });
    }
  });
});

describe('label catalogs (src/labels/zh.json, en.json)', () => {
  for (const section of ['result', 'text', 'review'] as const) {
    it(`${section}: the same labels in both languages, with the same placeholders`, () => {
      expectSameShape(LABELS.zh[section], LABELS.en[section], section);
    });
  }
  it('no label of a section is shadowed by another section read with it', () => {
    for (const other of ['text', 'review'] as const) for (const k of Object.keys(LABELS.zh[other])) expect(Object.keys(LABELS.zh.result), k).not.toContain(k);
  });
});
