/**
 * Labels of the human-readable output, kept as data in one catalog per language (src/labels/zh.json, en.json):
 * `result` (verdicts, statuses, severities: shared with the review pages), `text` (the text report) and `review`
 * (the review pages, src/server/i18n.ts). Chinese (Simplified) first; English with --lang en.
 */
import { renderTemplate, type Lang } from './check-api/api.js';
import en from './labels/en.json' with { type: 'json' };
import zh from './labels/zh.json' with { type: 'json' };

/** The catalogs; typed as the Chinese one, so an English catalog lacking a label does not compile. */
export const LABELS: Record<Lang, typeof zh> = { zh, en };

export type LabelKey = keyof typeof zh.result | keyof typeof zh.text;

const labels = { zh: { ...zh.result, ...zh.text }, en: { ...en.result, ...en.text } };

export function t(key: LabelKey, lang: Lang, params: Record<string, string | number> = {}): string {
  return renderTemplate(labels[lang][key], params);
}
