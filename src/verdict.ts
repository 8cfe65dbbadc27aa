/**
 * Site verdict from the indicator rules (config/rules.yaml, docs/indicators.md "Verdict"):
 * any confirmed single-veto finding fails the site; otherwise deductions are summed per indicator,
 * each indicator capped at its `max`, and a score below the pass line fails.
 */
import type { Rules } from './config.js';
import type { Finding, RuleHit, SiteVerdict } from './types.js';

export function computeVerdict(findings: Finding[], rules: Rules): SiteVerdict {
  const counted = findings.filter((f) => f.rule && (f.tier === 'confirmed' || rules.countSuspected));
  const byRule = new Map<string, Finding[]>();
  for (const f of counted) {
    if (f.severity !== 'veto' && f.severity !== 'deduction') continue;
    const list = byRule.get(f.rule!) ?? [];
    list.push(f);
    byRule.set(f.rule!, list);
  }
  const decidedBy: RuleHit[] = [];
  let deducted = 0;
  let vetoed = false;
  for (const [rule, list] of [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ind = rules.indicators[rule];
    const vetoes = list.filter((f) => f.severity === 'veto');
    if (vetoes.length && (!ind || ind.kind === 'veto')) {
      vetoed = true;
      decidedBy.push({ rule, kind: 'veto', points: 0, findings: vetoes.length });
      continue;
    }
    const deductions = list.filter((f) => f.severity === 'deduction');
    if (!deductions.length) continue;
    const raw = deductions.reduce((s, f) => s + (f.points ?? 0), 0);
    const capped = Math.min(raw, ind?.max ?? raw);
    const points = Math.round(capped * 100) / 100;
    deducted += points;
    decidedBy.push({ rule, kind: 'deduction', points, findings: deductions.length });
  }
  const score = Math.max(0, Math.round((rules.base - deducted) * 100) / 100);
  const verdict = vetoed || score < rules.passLine ? 'fail' : 'pass';
  return { verdict, score, decidedBy };
}
