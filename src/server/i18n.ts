/** Labels of the review pages: Simplified Chinese by default, English with the language switch; the `result` and `review` labels of src/labels/<lang>.json. */
import { renderTemplate, type Lang } from '../check-api/api.js';
import { LABELS } from '../i18n.js';

export type UiKey = keyof typeof LABELS.zh.result | keyof typeof LABELS.zh.review;
export type T = (key: UiKey, params?: Record<string, string | number>) => string;

const labels = { zh: { ...LABELS.zh.result, ...LABELS.zh.review }, en: { ...LABELS.en.result, ...LABELS.en.review } };

export function translator(lang: Lang): T {
  return (key, params = {}) => renderTemplate(labels[lang][key], params);
}
