import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Finding } from '../src/types.js';
import { computeVerdict } from '../src/verdict.js';
import { tmpDir } from './helpers.js';

const f = (rule: string, severity: Finding['severity'], points?: number, tier: Finding['tier'] = 'confirmed'): Finding => ({
  checkId: 'x',
  rule,
  severity,
  tier,
  points,
  url: 'http://a/',
  code: 'c',
  params: {},
  message: '',
  messageEn: '',
  evidence: {},
});

describe('verdict from the indicator rules', () => {
  const rules = loadConfig().rules;

  it('fails any site with a confirmed veto finding, whatever its score', () => {
    const v = computeVerdict([f('W-V2', 'veto')], rules);
    expect(v).toMatchObject({ verdict: 'fail', score: 100 });
    expect(v.decidedBy).toEqual([{ rule: 'W-V2', kind: 'veto', points: 0, findings: 1 }]);
  });

  it('caps deductions per indicator and passes at or above the pass line', () => {
    const many = Array.from({ length: 30 }, () => f('W-D1', 'deduction', 1));
    const v = computeVerdict([...many, f('W-D2', 'deduction', 0.5)], rules);
    expect(v.score).toBe(100 - 10 - 0.5);
    expect(v.verdict).toBe('pass');
  });

  it('fails below the pass line', () => {
    const v = computeVerdict(
      ['W-D1', 'W-D3', 'W-D4', 'W-D5', 'W-D6'].flatMap((r) => Array.from({ length: 25 }, () => f(r, 'deduction', 1))),
      rules,
    );
    expect(v.score).toBe(100 - 10 - 10 - 20 - 10 - 10);
    expect(v.verdict).toBe('fail');
  });

  it('does not score suspected findings unless configured to', () => {
    expect(computeVerdict([f('W-V1', 'veto', undefined, 'suspected')], rules).verdict).toBe('pass');
    expect(computeVerdict([f('W-V1', 'veto', undefined, 'suspected')], { ...rules, countSuspected: true }).verdict).toBe('fail');
  });

  it('takes thresholds from a province config file, and rejects a bad one clearly', () => {
    const t = tmpDir();
    const file = path.join(t.dir, 'province.yaml');
    writeFileSync(file, 'rules:\n  passLine: 95\n  indicators:\n    W-D1: { max: 2 }\n');
    const province = loadConfig(file).rules;
    const v = computeVerdict(
      Array.from({ length: 5 }, () => f('W-D1', 'deduction', 1)),
      province,
    );
    expect(v).toMatchObject({ score: 98, verdict: 'pass' });
    expect(computeVerdict([...Array.from({ length: 5 }, () => f('W-D1', 'deduction', 1)), f('W-D3', 'deduction', 4)], province).verdict).toBe('fail');
    writeFileSync(file, 'gather:\n  maxPages: -3\n');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/gather\.maxPages/);
    t.cleanup();
  });
});
