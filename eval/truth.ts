/**
 * The judged truth file of the real-page corpus (realpages/truth.yaml): per page (host + path), what a careful
 * inspector reading it says, and which findings must and must not appear. Schema and loader.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
/** A date, or 'unknown' where the page does not let a reader know. */
const dateOrUnknown = z.union([date, z.literal('unknown')]);

/** Which findings an entry means: a check id, optionally narrowed to a rule, a message code, a regex on target/message/url. */
export const findingPatternSchema = z
  .object({
    check: z.string().min(1),
    rule: z
      .string()
      .regex(/^[WM]-[VD]\d+$/)
      .optional(),
    code: z.string().min(1).optional(),
    /** JavaScript regular expression tried on "target message url" of a finding. */
    match: z.string().min(1).optional(),
    /** Why (short, for the reader of the report). */
    why: z.string().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.match) {
      try {
        new RegExp(p.match, 'u');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `match is not a valid regular expression: ${(e as Error).message}` });
      }
    }
  });
export type FindingPattern = z.infer<typeof findingPatternSchema>;

export const pageKinds = ['home', 'column-list', 'article', 'message-list', 'guide', 'directory', 'anti-bot', 'other'] as const;

export const truthPageSchema = z
  .object({
    /** host + URL path, e.g. www.gov.cn/ or fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html */
    key: z.string().regex(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\/\S*$/, 'host + path, e.g. www.gov.cn/'),
    asOf: date,
    kind: z.enum(pageKinds),
    /** Home page: date of its newest dated item. */
    newest: dateOrUnknown.optional(),
    /** Columns visible on the page with their newest visible date. */
    columns: z.array(z.object({ name: z.string(), newest: dateOrUnknown.optional() }).strict()).optional(),
    /** Message (留言/信箱) items visible on the page. */
    messages: z.array(z.object({ title: z.string(), status: z.enum(['answered', 'unanswered', 'in-progress', 'unknown']), asked: dateOrUnknown.optional(), answered: dateOrUnknown.optional() }).strict()).optional(),
    /** Article: publication date and the label it comes from (发布日期, PubDate meta…). */
    published: z.object({ date: dateOrUnknown, label: z.string() }).strict().optional(),
    note: z.string().optional(),
    /** Confirmed findings that must appear. */
    expect: z.array(findingPatternSchema).default([]),
    /** Findings that must not appear as confirmed (any confirmed finding not expected is a false alarm anyway; this names the known traps). */
    forbid: z.array(findingPatternSchema).default([]),
    /** Findings a reader cannot judge from the page: neither scored right nor wrong. */
    unsure: z.array(findingPatternSchema).default([]),
  })
  .strict();
export type TruthPage = z.infer<typeof truthPageSchema>;

export const truthSchema = z
  .object({
    version: z.literal(1),
    /** Checks that judge the serving machine rather than the page (our loopback server is not the site's): not scored. */
    serverChecks: z.array(z.string()).default([]),
    pages: z.array(truthPageSchema),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.pages.forEach((p, i) => {
      if (seen.has(p.key)) ctx.addIssue({ code: 'custom', path: ['pages', i, 'key'], message: `duplicate page ${p.key}` });
      seen.add(p.key);
    });
  });
export type Truth = z.infer<typeof truthSchema>;

export class TruthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruthError';
  }
}

/** Parses and validates a truth file; a bad file is one clear error naming the place. */
export function parseTruth(text: string, source = 'truth file'): Truth {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new TruthError(`${source}: not valid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  const r = truthSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TruthError(`${source}: ${i.path.join('.') || '(top)'}: ${i.message}${r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : ''}`);
  }
  return r.data;
}

export function loadTruth(file: string): Truth {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TruthError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTruth(text, file);
}

/** Does a finding fit a pattern? */
export function fits(p: FindingPattern, f: { checkId: string; rule?: string | null; code: string; target?: string | null; message: string; url: string }): boolean {
  if (p.check !== f.checkId) return false;
  if (p.rule && p.rule !== f.rule) return false;
  if (p.code && p.code !== f.code) return false;
  if (p.match && !new RegExp(p.match, 'u').test(`${f.target ?? ''} ${f.message} ${f.url}`)) return false;
  return true;
}
