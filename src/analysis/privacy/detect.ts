/**
 * Personal-data detectors for privacy-leaks (W-V4 / M-V1; docs/indicators.md "Personal data"): resident ID numbers
 * (GB 11643: region prefix, real birth date, check character; the legacy 15-digit form), mobile numbers and bank
 * card numbers (Luhn). The masking guarantee: a detector returns only masked values. Notes: docs/modules.md.
 */

export type PersonalDataKind = 'id' | 'id15' | 'mobile' | 'bankcard';

export interface Detection {
  kind: PersonalDataKind;
  /** The value as inspectors accept it published: 35*************123, 138****1234, 6222**********1234. */
  masked: string;
  /** Character offset in the (NFKC-normalised) text. */
  index: number;
  length: number;
  /** Text around the match, every long digit run masked. */
  snippet: string;
}

export interface DetectOptions {
  /** Date the text is judged as of (YYYY-MM-DD): birth dates after it are not real. */
  asOf: string;
  /** Two-digit region prefixes accepted for ID numbers (GB/T 2260 provinces). */
  regionPrefixes?: readonly string[];
  /** Earliest birth year accepted. */
  minBirthYear?: number;
  /** Detect the legacy 15-digit ID form (no check digit: weaker evidence). */
  legacy15?: boolean;
  /** Words near a 16–19 digit Luhn-valid number that make it a bank card (UnionPay 62… needs none). */
  bankKeywords?: readonly string[];
  /** Characters each side of a match kept in the snippet. */
  snippetRadius?: number;
  /** Stop after this many detections (bounded work and evidence on huge lists). */
  maxDetections?: number;
}

/** Valid first two digits of a resident ID (spec: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82). */
export const DEFAULT_REGION_PREFIXES: readonly string[] = [...range(11, 15), ...range(21, 23), ...range(31, 37), ...range(41, 46), ...range(50, 54), ...range(61, 65), '71', '81', '82'];

export const DEFAULT_BANK_KEYWORDS: readonly string[] = ['银行卡', '银行账号', '银行帐号', '卡号', '账号', '帐号', '开户行', '开户银行', '储蓄卡', '借记卡', '社保卡', '存折'];

function range(a: number, b: number): string[] {
  const out: string[] = [];
  for (let i = a; i <= b; i++) out.push(String(i));
  return out;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643 check character of the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

function realDate(y: number, m: number, d: number, asOf: string, minYear: number): boolean {
  if (y < minYear || m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return false;
  return dt.toISOString().slice(0, 10) <= asOf;
}

/** True for an 18-character resident ID with a known region prefix, a real birth date and a correct check character. */
export function isValidResidentId(v: string, o: Pick<DetectOptions, 'asOf' | 'regionPrefixes' | 'minBirthYear'>): boolean {
  if (!/^\d{17}[\dXx]$/.test(v)) return false;
  if (!(o.regionPrefixes ?? DEFAULT_REGION_PREFIXES).includes(v.slice(0, 2))) return false;
  if (!realDate(Number(v.slice(6, 10)), Number(v.slice(10, 12)), Number(v.slice(12, 14)), o.asOf, o.minBirthYear ?? 1900)) return false;
  return idCheckChar(v.slice(0, 17)) === v[17].toUpperCase();
}

/** Legacy 15-digit ID: region prefix and a real 19YY birth date (there is no check digit). */
export function isPlausibleLegacyId(v: string, o: Pick<DetectOptions, 'asOf' | 'regionPrefixes'>): boolean {
  if (!/^\d{15}$/.test(v)) return false;
  if (!(o.regionPrefixes ?? DEFAULT_REGION_PREFIXES).includes(v.slice(0, 2))) return false;
  return realDate(1900 + Number(v.slice(6, 8)), Number(v.slice(8, 10)), Number(v.slice(10, 12)), o.asOf, 1900);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = digits.charCodeAt(i) - 48;
    if (n < 0 || n > 9) return false;
    if (dbl) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

export function maskId(v: string): string {
  return v.slice(0, 2) + '*'.repeat(v.length - 5) + v.slice(-3);
}

export function maskMobile(digits: string): string {
  return digits.slice(0, 3) + '****' + digits.slice(-4);
}

export function maskCard(digits: string): string {
  return digits.slice(0, 4) + '*'.repeat(digits.length - 8) + digits.slice(-4);
}

/**
 * Hides every run of `minRun` or more digits (spaces inside allowed, a trailing X kept as part of the run):
 * keeps the first two and last two characters. Used for every snippet and any free text that
 * leaves the privacy code, so a number nobody recognised cannot leak either.
 */
export function maskDigitRuns(text: string, minRun = 7): string {
  return text.replace(/\d(?:[\d ]*\d)?[Xx]?/g, (run) => {
    const digits = run.replace(/[^\dXx]/g, '');
    if (digits.length < minRun) return run;
    return digits.slice(0, 2) + '*'.repeat(Math.max(1, digits.length - 4)) + digits.slice(-2);
  });
}

/**
 * Text around a detection: every detection inside the window shown masked, then every other long digit run
 * masked, so a snippet never carries a full number, recognised or not.
 */
function snippetAt(text: string, all: readonly Detection[], d: Detection, radius: number): string {
  let from = Math.max(0, d.index - radius);
  let to = Math.min(text.length, d.index + d.length + radius);
  for (const x of all) {
    if (x.index < from && x.index + x.length > from) from = x.index;
    if (x.index < to && x.index + x.length > to) to = x.index + x.length;
  }
  let out = '';
  let at = from;
  for (const x of all) {
    if (x.index < at || x.index >= to) continue;
    out += text.slice(at, x.index) + x.masked;
    at = x.index + x.length;
  }
  out += text.slice(at, to);
  return maskDigitRuns(out.replace(/\s+/g, ' '));
}

/** Unicode NFKC: full-width digits and letters (１３８… → 138…) as a reader sees them. */
export function nfkc(text: string): string {
  return text.normalize('NFKC');
}

/**
 * Finds personal data in a text. Returns masked detections only (see the file comment), in text order.
 * Masked values in the text (138****1234, 35*************123) never match: the patterns need every digit.
 */
export function detectPersonalData(input: string, o: DetectOptions): Detection[] {
  return scanPersonalData(input, o).detections;
}

export interface ScanResult {
  detections: Detection[];
  /** Detections by kind. */
  counts: Record<PersonalDataKind, number>;
  /** Distinct values by kind (computed here, where the full values exist; only the numbers leave). */
  distinct: Record<PersonalDataKind, number>;
  /** True when `maxDetections` stopped the scan. */
  capped: boolean;
}

/** detectPersonalData with counts and distinct counts. */
export function scanPersonalData(input: string, o: DetectOptions): ScanResult {
  const text = nfkc(input);
  const seen: Record<PersonalDataKind, Set<string>> = { id: new Set(), id15: new Set(), mobile: new Set(), bankcard: new Set() };
  const radius = o.snippetRadius ?? 12;
  const max = o.maxDetections ?? 10_000;
  const out: Detection[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (a: number, b: number) => taken.some(([x, y]) => a < y && b > x);
  const push = (kind: PersonalDataKind, masked: string, index: number, length: number, full: string) => {
    seen[kind].add(full);
    taken.push([index, index + length]);
    out.push({ kind, masked, index, length, snippet: '' });
  };

  // Resident IDs, 18 characters, not part of a longer alphanumeric token (统一社会信用代码, order numbers…).
  for (const m of text.matchAll(/(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g)) {
    if (out.length >= max) break;
    if (isValidResidentId(m[0], o)) push('id', maskId(m[0].toUpperCase()), m.index!, m[0].length, m[0].toUpperCase());
  }
  if (o.legacy15 ?? true) {
    for (const m of text.matchAll(/(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])/g)) {
      if (out.length >= max) break;
      if (isPlausibleLegacyId(m[0], o)) push('id15', maskId(m[0]), m.index!, m[0].length, m[0]);
    }
  }
  // Mobile numbers: 1[3-9] + 9 digits, optionally +86, optionally spaced 3-4-4; never inside a longer digit run.
  for (const m of text.matchAll(/(?<![\d+])(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)([ -]?)(\d{4})\2(\d{4})(?![\d])/g)) {
    if (out.length >= max) break;
    const idx = m.index!;
    if (overlaps(idx, idx + m[0].length)) continue;
    push('mobile', maskMobile(m[1] + m[3] + m[4]), idx, m[0].length, m[1] + m[3] + m[4]);
  }
  // Bank cards: 16–19 digits (groups of 4 may be spaced), Luhn-valid, UnionPay 62… or a bank word nearby.
  const keywords = o.bankKeywords ?? DEFAULT_BANK_KEYWORDS;
  for (const m of text.matchAll(/(?<![\d])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![\d])/g)) {
    if (out.length >= max) break;
    const idx = m.index!;
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 16 || digits.length > 19) continue;
    if (overlaps(idx, idx + m[0].length)) continue;
    if (!luhnValid(digits)) continue;
    const near = text.slice(Math.max(0, idx - 20), idx);
    if (!digits.startsWith('62') && !keywords.some((k) => near.includes(k))) continue;
    push('bankcard', maskCard(digits), idx, m[0].length, digits);
  }
  out.sort((a, b) => a.index - b.index);
  for (const d of out) d.snippet = snippetAt(text, out, d, radius);
  const distinct = { id: seen.id.size, id15: seen.id15.size, mobile: seen.mobile.size, bankcard: seen.bankcard.size };
  return { detections: out, counts: countByKind(out), distinct, capped: out.length >= max };
}

/** Counts detections by kind. */
export function countByKind(ds: readonly Detection[]): Record<PersonalDataKind, number> {
  const c: Record<PersonalDataKind, number> = { id: 0, id15: 0, mobile: 0, bankcard: 0 };
  for (const d of ds) c[d.kind]++;
  return c;
}

/**
 * The text with every detected number replaced by its masked form and every other long digit run masked too:
 * for free text that leaves a check (URLs, file names, post titles) and might carry a number.
 */
export function redactPersonalData(text: string, o: DetectOptions): string {
  const norm = nfkc(text);
  return maskDigitRuns(withMasked(norm, scanPersonalData(norm, { ...o, snippetRadius: 0 }).detections), 15);
}

/** The text with each detection (in text order; overlapping ones skipped) replaced by its masked form. */
function withMasked(text: string, detections: Detection[]): string {
  let out = '';
  let at = 0;
  for (const d of detections) {
    if (d.index < at) continue;
    out += text.slice(at, d.index) + d.masked;
    at = d.index + d.length;
  }
  return out + text.slice(at);
}

/**
 * The one choke point for results: masks personal data (resident IDs, mobiles, bank cards) in every string
 * of a value, recursively (findings, evidence, check summaries, error messages, header values a check
 * echoes), whatever made it. `runChecks` and `checkSite` pass every result through it before it is
 * printed or stored, so no full number reaches an output, a database row or a log. Strings without
 * personal data are returned unchanged (the same object when nothing changed); masked values never
 * match again, so masking twice is masking once.
 */
export function maskPersonalDataDeep<T>(v: T, asOf: string): T {
  return maskDeep(v, asOf, 0);
}

function maskString(v: string, asOf: string): string {
  if (!/\d{7}/.test(v.normalize('NFKC').replace(/[\s-]/g, ''))) return v;
  const opts = { asOf };
  const norm = nfkc(v);
  const found = detectPersonalData(norm, opts);
  if (!found.length) return v;
  // Same length after normalisation (the usual case): mask the spans in the original text, keeping its
  // full-width punctuation; otherwise fall back to the normalised, redacted text.
  if (norm.length !== v.length) return redactPersonalData(v, opts);
  return withMasked(v, found);
}

function maskDeep<T>(v: T, asOf: string, depth: number): T {
  if (typeof v === 'string') return maskString(v, asOf) as T;
  if (v === null || typeof v !== 'object') return v;
  // Results are plain JSON-like data; anything nested deeper than this is flattened to masked JSON
  // text rather than passed through unmasked.
  if (depth > 64) return maskString(JSON.stringify(v) ?? '', asOf) as T;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = maskDeep(x, asOf, depth + 1);
      if (y !== x) changed = true;
      return y;
    });
    return (changed ? out : v) as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // Dates, Buffers…: not text
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const y = maskDeep(x, asOf, depth + 1);
    if (y !== x) changed = true;
    out[k] = y;
  }
  return (changed ? out : v) as T;
}
