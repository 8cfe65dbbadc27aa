/**
 * Judging a probe of a post's page, media or menu target, with the same status policy as the website link check
 * (W-D1 practice): 404/403/410 confirmed broken; 5xx and network failures only suspected; bot walls and rate limits
 * inconclusive. Notes: docs/modules.md.
 */
import { z } from 'zod';
import type { ProbeResult } from '../types.js';

export const outcomeSchema = z.enum(['broken', 'suspected', 'inconclusive', 'ok']);
export type Outcome = z.infer<typeof outcomeSchema>;

/** Options shared by the new-media checks that probe targets. */
export const probePolicyOptions = {
  /** What an HTTP status means for a target. Others: 2xx/3xx ok, 4xx broken, 5xx suspected. */
  statusPolicy: z.record(z.string(), outcomeSchema).default({ '401': 'inconclusive', '407': 'inconclusive', '429': 'inconclusive', '999': 'inconclusive' }),
  /** What a network error kind means. Others: suspected. */
  errorPolicy: z.record(z.string(), outcomeSchema).default({ malformed_url: 'broken', private_address_blocked: 'inconclusive', unsupported_scheme: 'inconclusive' }),
};

export interface Judged {
  outcome: Outcome;
  /** HTTP 404, timeout, "HTML instead of an image"… */
  reason: string;
}

export function judgeProbe(r: ProbeResult, policy: { statusPolicy: Record<string, Outcome>; errorPolicy: Record<string, Outcome> }, expect?: 'image' | 'video' | 'audio'): Judged {
  if (r.error) return { outcome: policy.errorPolicy[r.error.kind] ?? 'suspected', reason: r.error.kind };
  const status = r.status;
  if (status === null) return { outcome: 'suspected', reason: 'no response' };
  if (r.headers['cf-mitigated']) return { outcome: 'inconclusive', reason: `HTTP ${status} (bot wall)` };
  const byPolicy = policy.statusPolicy[String(status)];
  if (byPolicy) return { outcome: byPolicy, reason: `HTTP ${status}` };
  if (status >= 400 && status < 500) return { outcome: 'broken', reason: `HTTP ${status}` };
  if (status >= 500) return { outcome: 'suspected', reason: `HTTP ${status}` };
  if (expect && status >= 200 && status < 300) {
    const type = (r.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'text/html' || type === 'application/xhtml+xml') return { outcome: 'broken', reason: `${type} instead of ${expect}` };
    const length = r.headers['content-length'];
    if (length !== undefined && Number(length) === 0) return { outcome: 'broken', reason: `empty ${expect}` };
  }
  return { outcome: 'ok', reason: `HTTP ${status}` };
}

/** Default placeholder texts platforms show instead of content that cannot be displayed (Simplified and Traditional). */
export const DEFAULT_PLACEHOLDERS = [
  '此内容因违规无法查看',
  '此內容因違規無法查看',
  '该内容已被发布者删除',
  '該內容已被發布者刪除',
  '此内容已被删除',
  '该内容已被删除',
  '此内容无法查看',
  '该内容暂时无法查看',
  '此内容因涉嫌违反相关法律法规和政策',
  '由用户投诉并经平台审核',
  '该文章已被删除',
  '该微博已被删除',
  '此微博已被作者删除',
  '该视频已删除',
  '视频已失效',
  '作品已删除',
  '该作品已删除',
  '内容已失效',
  '該內容已被刪除',
];

/** The longest placeholder that occurs in the text, with a little context. */
export function findPlaceholder(text: string, placeholders: readonly string[]): { phrase: string; snippet: string } | undefined {
  let best: { phrase: string; at: number } | undefined;
  for (const phrase of placeholders) {
    const at = text.indexOf(phrase);
    if (at >= 0 && (!best || phrase.length > best.phrase.length)) best = { phrase, at };
  }
  if (!best) return undefined;
  return {
    phrase: best.phrase,
    snippet: text
      .slice(Math.max(0, best.at - 20), best.at + best.phrase.length + 20)
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

/** Visible-ish text of an HTML snippet (tags, scripts and styles removed), for placeholder and error-page texts. */
export function snippetText(html: string | undefined): string {
  if (!html) return '';
  return html
    .replace(/<(script|style|noscript)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
