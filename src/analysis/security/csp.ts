/**
 * Content-Security-Policy parsing with the MDN HTTP Observatory's semantics, so that our CSP outcome matches an
 * Observatory scan for the same header values (several policies, case, redundant sources, meta http-equiv…).
 * The rules one by one: docs/modules.md.
 */

export type CspMap = Map<string, Set<string>>;

export class CspParseError extends Error {}

/** Key of the report-uri/report-to duplicate warning in a parsed map. */
export const CSP_DUPLICATE_WARNINGS = '_duplicate_warnings';

const MIN_POLICY_LENGTH = 'img-src'.length - 1;
const REPEATABLE = new Set(['report-uri', 'report-to']);
const NOT_IN_META = ['frame-ancestors', 'report-uri', 'sandbox'];
/** Made at the first sort (≈ 10 ms at module load otherwise; most pages send no policy). */
let collator: Intl.Collator | undefined;
const collate = (a: string, b: string): number => (collator ??= new Intl.Collator('en')).compare(a, b);

interface Source {
  value: string;
  policy: number;
  keep: boolean;
}

/** Splits raw header values into single policies (commas separate policies). */
export function splitPolicies(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',').map((s) => s.trim()));
}

/**
 * True when `b` lies under the path expression `a`: `a` ending in "/" matches any path below it, otherwise
 * the segments must be the same (percent-decoded).
 */
function underPath(a: string, b: string): boolean {
  if (a === '') return true;
  if (a === '/' && b === '') return true;
  const prefixOnly = a.endsWith('/');
  const as = a.split('/');
  const bs = b.split('/');
  if (as.length > bs.length) return false;
  if (!prefixOnly && as.length !== bs.length) return false;
  if (prefixOnly) as.pop();
  return as.every((seg, i) => safeDecode(seg) === safeDecode(bs[i]));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses a list of policies into directive → sources (see the file comment). Throws CspParseError. */
export function parseCsp(list: readonly string[]): CspMap {
  const policies = list.map((p) => p.replace(/[\r\n]/g, '').trim());
  if (!policies.length) return new Map();
  for (const p of policies) if (!p || p.length < MIN_POLICY_LENGTH) throw new CspParseError(`invalid policy: "${p.slice(0, 40)}"`);
  const byDirective = new Map<string, Source[]>();
  const warnings = new Set<string>();
  const many = policies.length > 1;
  policies.forEach((policy, pi) => {
    const here = new Set<string>();
    for (const entry of policy.split(';')) {
      const [rawName, ...rawSources] = entry.trim().split(/\s+/);
      if (!rawName) continue;
      const name = rawName.toLowerCase();
      if (here.has(name)) {
        if (!REPEATABLE.has(name)) throw new CspParseError(`directive ${name} repeated in policy ${pi + 1}`);
        warnings.add(name);
      } else {
        here.add(name);
      }
      const first = pi === 0;
      const added: Source[] = rawSources.length ? rawSources.map((s) => ({ value: s.trim().toLocaleLowerCase(), policy: pi, keep: first })) : name.endsWith('-src') ? [{ value: "'none'", policy: pi, keep: first }] : [];
      const all = first ? added : [...(byDirective.get(name) ?? []), ...added];
      all.sort((x, y) => collate(x.value, y.value));
      for (let i = 1; i < all.length; i++) {
        const cur = all[i];
        const prev = all[i - 1];
        if (cur.policy === prev.policy && cur.value.startsWith(prev.value)) cur.keep = false;
        if (cur.policy !== prev.policy && underPath(prev.value, cur.value)) cur.keep = true;
      }
      const kept = all.filter((s) => s.keep);
      byDirective.set(name, kept);
      // With several policies, a first-policy source survives only when a later policy allows it too.
      if (first && many) for (const s of kept) s.keep = false;
    }
  });
  const out: CspMap = new Map();
  for (const [name, sources] of byDirective) out.set(name, sources.length ? new Set(sources.map((s) => s.value)) : new Set(["'none'"]));
  if (warnings.size) out.set(CSP_DUPLICATE_WARNINGS, warnings);
  return out;
}

/** Parses policies delivered by <meta http-equiv>, without the directives a meta policy may not set. */
export function parseMetaCsp(list: readonly string[]): CspMap {
  const m = parseCsp(list);
  for (const d of NOT_IN_META) m.delete(d);
  return m;
}
