/**
 * The checks' text — title, description and finding messages — kept as data, one catalog per language
 * (`checks/messages/zh.json`, `checks/messages/en.json`, keyed by check id), the way translations are kept
 * apart from code; `defineCheck` puts a check's entries on its `meta`. Notes: docs/modules.md.
 */
import en from '../../checks/messages/en.json' with { type: 'json' };
import zh from '../../checks/messages/zh.json' with { type: 'json' };
import type { CheckMeta, Lang } from './api.js';

/** One check's text in one language. */
interface CatalogEntry {
  title: string;
  description: string;
  /** Finding code → template; `{name}` is replaced by the finding's params. */
  messages: Record<string, string>;
}

export const CATALOGS: Record<Lang, Record<string, CatalogEntry | undefined>> = { zh, en };

/** A check's title, description and messages in both languages; undefined when a catalog has no entry for it. */
export function checkText(id: string): Pick<CheckMeta, 'title' | 'description' | 'messages'> | undefined {
  const z = CATALOGS.zh[id];
  const e = CATALOGS.en[id];
  if (!z || !e) return undefined;
  const messages = Object.fromEntries(Object.entries(z.messages).map(([code, text]) => [code, { zh: text, en: e.messages[code] ?? code }]));
  return { title: { zh: z.title, en: e.title }, description: { zh: z.description, en: e.description }, messages };
}
