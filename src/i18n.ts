/** Labels of the human-readable output. Chinese (Simplified) first; English with --lang en. */
import { renderTemplate, type Lang } from './check-api/api.js';

/** The words of a result (verdicts, statuses, severities, tiers), shared by the text output and the review pages. */
export const resultLabels = {
  verdict_pass: { zh: '合格', en: 'PASS' },
  verdict_fail: { zh: '不合格', en: 'FAIL' },
  status_pass: { zh: '通过', en: 'pass' },
  status_fail: { zh: '未通过', en: 'fail' },
  status_error: { zh: '出错', en: 'error' },
  severity_veto: { zh: '单项否决', en: 'veto' },
  severity_deduction: { zh: '扣分', en: 'deduction' },
  severity_warning: { zh: '预警', en: 'warning' },
  severity_info: { zh: '提示', en: 'info' },
  tier_suspected: { zh: '疑似', en: 'suspected' },
  verdict: { zh: '结论', en: 'Verdict' },
  passLine: { zh: '合格线', en: 'pass line' },
  decidedBy: { zh: '判定依据', en: 'Decided by' },
  points: { zh: '分', en: 'pt' },
  siteError: { zh: '站点无法检查', en: 'Site could not be checked' },
} as const;

const labels = {
  ...resultLabels,
  status_not_applicable: { zh: '不适用', en: 'not applicable' },
  result: { zh: '检查结果', en: 'Inspection result' },
  score: { zh: '得分', en: 'score' },
  checks: { zh: '检查项', en: 'Checks' },
  stats: { zh: '统计', en: 'Stats' },
  pages: { zh: '页面', en: 'pages' },
  links: { zh: '链接', en: 'links' },
  duration: { zh: '用时', en: 'time' },
  seconds: { zh: '秒', en: 's' },
  findings: { zh: '项问题', en: 'finding(s)' },
  where: { zh: '位置', en: 'where' },
  expected: { zh: '应为', en: 'expected' },
  actual: { zh: '实际', en: 'seen' },
  more: { zh: '另有 {n} 项，完整列表见 --format json', en: '{n} more; see --format json for all' },
  asOf: { zh: '检查日期', en: 'as of' },
  noFindings: { zh: '未发现问题', en: 'no findings' },
} as const;

export type LabelKey = keyof typeof labels;

export function t(key: LabelKey, lang: Lang, params: Record<string, string | number> = {}): string {
  return renderTemplate(labels[key][lang], params);
}
