import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CHECKS_DIR, loadChecks } from '../src/check-api/registry.js';
import { loadConfig } from '../src/config.js';
import { ROOT } from './helpers.js';

/** The contract every module in checks/ keeps: self-describing, rules that exist, defaults that validate, a test of its own. */
describe('check modules', async () => {
  const checks = await loadChecks();
  const rules = loadConfig().rules;

  it('discovers every file in checks/', () => {
    const files = readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && !f.startsWith('_'));
    expect(checks.map((c) => `${c.meta.id}.ts`).sort()).toEqual(files.sort());
    expect(checks.length).toBeGreaterThanOrEqual(2);
  });

  for (const c of checks) {
    describe(c.meta.id, () => {
      it('describes itself in Chinese and English', () => {
        expect(c.meta.title.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(c.meta.title.en).toMatch(/[A-Za-z]/);
        expect(c.meta.description.zh).toMatch(/[\u4e00-\u9fff]/);
        expect(c.meta.scope.length).toBeGreaterThan(0);
        for (const m of Object.values(c.meta.messages)) {
          expect(m.zh).toMatch(/[\u4e00-\u9fff]/);
          expect(m.en.length).toBeGreaterThan(0);
        }
      });
      it('cites indicator rules that exist in config/rules.yaml', () => {
        for (const r of c.meta.rules) expect(Object.keys(rules.indicators)).toContain(r);
      });
      it('has defaults for every option', () => {
        expect(() => (c.meta.options as z.ZodType).parse({})).not.toThrow();
      });
      it('has a test of its own in tests/checks/', () => {
        expect(readdirSync(path.join(ROOT, 'tests/checks'))).toContain(`${c.meta.id}.test.ts`);
      });
    });
  }
});
