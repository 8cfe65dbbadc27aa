/**
 * Severity tables for the security checks (W-D6 安全防护): each problem code has a default severity, which a
 * province overrides per code in the check's options (`severities: { code: deduction|warning|info|off }`).
 * A deduction is worth `rulePoints('W-D6')` (config/rules.yaml, default 1) and the indicator caps the total.
 */
import { z } from 'zod';
import type { CheckContext, FindingInput } from '../../check-api/api.js';
import type { Evidence, Severity } from '../../types.js';

export const securitySeverity = z.enum(['veto', 'deduction', 'warning', 'info', 'off']);
export type SecuritySeverity = z.infer<typeof securitySeverity>;

/** Builds findings with the configured severity: W-D6 points for deductions, `vetoRule` for vetoes. */
export function findingMaker(ctx: CheckContext<{ severities: Record<string, SecuritySeverity> }>, defaults: Record<string, SecuritySeverity>, opts: { deductionRule?: string; vetoRule?: string } = {}) {
  const deductionRule = opts.deductionRule ?? 'W-D6';
  const points = ctx.rulePoints(deductionRule) ?? 1;
  return (code: string, f: { url: string; target?: string; params?: Record<string, string | number>; evidence?: Evidence; tier?: FindingInput['tier'] }): FindingInput | undefined => {
    const s = ctx.options.severities[code] ?? defaults[code] ?? 'warning';
    if (s === 'off') return undefined;
    return {
      code,
      params: f.params,
      severity: s as Severity,
      tier: f.tier,
      rule: s === 'deduction' ? deductionRule : s === 'veto' ? opts.vetoRule : undefined,
      points: s === 'deduction' ? points : undefined,
      url: f.url,
      target: f.target,
      evidence: f.evidence,
    };
  };
}
