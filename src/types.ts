/**
 * Core data types of govcheck. Data flows one way:
 * registry → run → site job → gather (PageArtifact, SiteArtifacts) → checks (CheckOutcome, Finding)
 * → verdict (SiteVerdict) → store → roll-up tables and reports.
 */

/** Named failure kinds, never free-form strings (see src/net/errors.ts for classification). */
export type ErrorKind =
  | 'dns_error'
  | 'connection_refused'
  | 'connection_reset'
  | 'timeout'
  | 'tls_error'
  | 'http_error'
  | 'redirect_loop'
  | 'too_many_redirects'
  | 'private_address_blocked'
  | 'too_large'
  | 'decode_error'
  | 'malformed_url'
  | 'unsupported_scheme'
  | 'protocol_error'
  | 'unknown';

export interface FetchErrorInfo {
  kind: ErrorKind;
  message: string;
  /** HTTP status when kind is http_error. */
  status?: number;
  /** Low-level error code (ECONNREFUSED, CERT_HAS_EXPIRED, …) when there was one. */
  code?: string;
}

export interface RedirectHop {
  url: string;
  status: number;
  location: string;
}

/** Kind of a reference found on a page, from its element. */
export type RefKind = 'page' | 'image' | 'script' | 'style' | 'frame' | 'media' | 'object' | 'attachment' | 'other';

/** Why a reference is not checked. Skipped references are reported, never counted as broken. */
export type SkipReason = 'mailto' | 'tel' | 'javascript' | 'data' | 'fragment' | 'sms' | 'other_scheme';

/** One outgoing reference on a page, with where it was found. */
export interface LinkRef {
  /** Absolute URL (resolved against <base href> and the page URL, fragment removed); null when malformed or skipped. */
  url: string | null;
  /** The attribute value as written in the page. */
  raw: string;
  /** Fragment (without '#') when the reference has one. */
  fragment?: string;
  /** Element name, e.g. 'a', 'img', 'meta', 'style' (CSS url()). */
  element: string;
  /** Attribute, e.g. 'href', 'src', 'srcset', 'content', 'url()'. */
  attribute: string;
  /** A CSS selector locating the element on the page. */
  selector: string;
  /** Anchor text, alt or title: what a reader sees. */
  text: string;
  kind: RefKind;
  /** True when the target looks like a downloadable attachment (pdf, doc, xls, wps, ofd, zip…). */
  attachment: boolean;
  /** True when the target is on the site (same host or one of the extra site hosts). */
  internal: boolean;
  skipped?: SkipReason;
  /** Set when the reference cannot be parsed as a URL; the reason in plain words. */
  malformed?: string;
}

/** Artifact of one fetched page. Compact: no raw HTML is retained after the page's collectors ran. */
export interface PageArtifact {
  /** URL as requested (normalised). */
  url: string;
  /** URL after redirects. */
  finalUrl: string;
  redirectChain: RedirectHop[];
  /** Crawl depth: 0 for the start page. */
  depth: number;
  /** The page that first linked here (undefined for the start page). */
  referrer?: string;
  status: number | null;
  headers: Record<string, string>;
  contentType: string | null;
  /** When the request started (ISO) and how long until the body was read. */
  fetchedAt: string;
  durationMs: number;
  bytes: number;
  /** True when the body was cut at the size cap. */
  truncated: boolean;
  encoding: string | null;
  encodingSource: 'bom' | 'header' | 'meta' | 'sniff' | 'default' | null;
  title: string;
  /** Standard page tags (<meta name=...>) lower-cased name → content (SiteName, PubDate, ColumnName…). */
  meta: Record<string, string>;
  /** Length of visible text in characters. */
  textLength: number;
  links: LinkRef[];
  /** Set when the page could not be fetched or decoded. */
  error?: FetchErrorInfo;
  /** Set when the body arrived but cannot display properly (内容无法正常显示). */
  contentIssue?: ContentIssue;
  /** Compact per-check artifacts, keyed by check id (from each check's `collect`). */
  collected: Record<string, unknown>;
}

/** Why a fetched page would not display properly. */
export interface ContentIssue {
  kind: 'garbled' | 'binary' | 'encoding_mismatch' | 'unknown_charset';
  /** The declared charset and where it was declared, when there was one. */
  declared?: string;
  declaredBy?: 'header' | 'meta';
  /** The encoding that decoded the page best. */
  used?: string;
  /** Share of undecodable characters (U+FFFD) or control bytes. */
  ratio?: number;
}

/** Result of one HTTP probe by the shared client (link verification, availability). */
export interface ProbeResult {
  url: string;
  finalUrl: string;
  method: 'HEAD' | 'GET';
  status: number | null;
  headers: Record<string, string>;
  redirectChain: RedirectHop[];
  durationMs: number;
  error?: FetchErrorInfo;
  /** First bytes of the body (GET only, decoded as text when textual), capped. */
  bodySnippet?: string;
  attempts: number;
  /** Not sent: its host was already found dead in this run (does not resolve, refuses, or timed out repeatedly). */
  skipped?: 'dead-host';
}

export interface CrawlStats {
  pages: number;
  /** Distinct targets referenced (pages, resources, attachments, external). */
  links: number;
  durationMs: number;
  /** Pages not fetched because a limit was reached. */
  skippedByLimit: number;
  errors: number;
  /** Paths whose query-string variants hit the cap (endless calendars and the like), with how many were dropped. */
  cappedPaths?: Array<{ path: string; dropped: number }>;
}

/** What a site is in the registry; the on-demand check makes one from a URL. */
export interface SiteRef {
  id: string;
  url: string;
  name?: string;
  kind: 'website' | 'newmedia';
  group?: string;
  owner?: string;
  siteCode?: string;
  platform?: string;
  source?: string;
  render?: 'html' | 'browser';
}

/** One post of a new-media account, normalised from a feed or a rendered page. */
export interface AccountPost {
  id?: string;
  title: string;
  url?: string;
  /** Publication time (ISO 8601), when the source gives one. */
  publishedAt?: string;
  /** The date as the source wrote it (kept when it could not be read or was implausible). */
  dateRaw?: string;
  /** Why the source's date was not used: unreadable, or implausible (in the future, or before 2000). */
  dateProblem?: 'unparseable' | 'future' | 'implausible';
  /** Where the post sits on a rendered source page (CSS selector), for evidence and screenshots. */
  selector?: string;
  /** Plain text of the post body. */
  text: string;
  media: Array<{ url: string; kind: 'image' | 'video' | 'audio' }>;
  links: string[];
}

export interface AccountMenu {
  label: string;
  url?: string;
  /** The target as written when it is no usable URL (javascript:, #, empty, malformed). */
  raw?: string;
  children?: AccountMenu[];
}

/** Everything gathered for one new-media account: the input of the new-media checks. */
export interface AccountArtifact {
  platform: string;
  sourceKind: 'feed' | 'page';
  sourceUrl: string;
  name?: string;
  fetchedAt: string;
  posts: AccountPost[];
  menus: AccountMenu[];
  /** True when the source was searched for menus (an empty `menus` then means the account shows none). */
  menusExtracted?: boolean;
  /** Feed format (rss, atom, rdf, json) for feed sources. */
  format?: string;
  error?: FetchErrorInfo;
  /** Path of a screenshot of the source page, when it was rendered. */
  screenshot?: string;
}

/** Everything gathered for one site in one crawl: the input of every check. */
export interface SiteArtifacts {
  site: SiteRef;
  startUrl: string;
  /** The home page artifact (the start URL's page), or undefined when it could not be fetched at all. */
  home?: PageArtifact;
  pages: PageArtifact[];
  stats: CrawlStats;
  /** Inspection date (YYYY-MM-DD, Asia/Shanghai) the run is judged as of. */
  asOf: string;
  /** Hosts considered part of the site. */
  siteHosts: string[];
  /** For new-media accounts: the normalised account (websites leave it undefined). */
  account?: AccountArtifact;
  /** Availability probes of the site over the days before the inspection date (W-V1), when it was probed. */
  availability?: AvailabilitySeries;
}

/**
 * The availability probe series of one website (W-V1: a week of visits, ≥ 20 a day at intervals), as
 * summarised from the stored probes (src/store/probes.ts) by whoever starts the site job; the
 * availability check judges its failure rate.
 */
export interface AvailabilitySeries {
  /** Window of the series: [from, to) as ISO times; the `windowDays` whole days before the inspection date (Asia/Shanghai). */
  from: string;
  to: string;
  windowDays: number;
  /** Probes in the window and how many of them failed (no 2xx within the time limit). */
  probes: number;
  failed: number;
  /** Days of the window with at least one probe, and the fewest probes on one day of the window (0 when a day has none). */
  days: number;
  minPerDay: number;
  /** The first failed probes, for evidence. */
  failures: Array<{ at: string; kind: string; status: number | null }>;
}

export type Severity = 'veto' | 'deduction' | 'warning' | 'info';
/** Monitors keep a suspected tier apart from confirmed findings. */
export type Tier = 'confirmed' | 'suspected';

export interface Evidence {
  /** CSS selector, text offset or header name: where on the page. */
  location?: string;
  /** Text around the problem as seen. */
  snippet?: string;
  expected?: string;
  actual?: string;
  /** Path of a screenshot saved with the run, when there is one. */
  screenshot?: string;
  [key: string]: unknown;
}

export interface Finding {
  checkId: string;
  /** Indicator id from the spec (e.g. 'W-D1'), when the finding counts towards one. */
  rule?: string;
  severity: Severity;
  tier: Tier;
  /** Deduction points this finding is worth before the indicator cap (severity 'deduction'). */
  points?: number;
  /** Page where the problem was seen. */
  url: string;
  /** What is wrong: a link target, a piece of text, a header name… */
  target?: string;
  /** Message key in the check's messages table, and its parameters. */
  code: string;
  params: Record<string, string | number>;
  /** Rendered message (Chinese by default), filled in by the runner. */
  message: string;
  messageEn: string;
  evidence: Evidence;
}

export type CheckStatus = 'pass' | 'fail' | 'error' | 'not_applicable';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  findings: Finding[];
  /** For status 'error': what went wrong. */
  error?: string;
  durationMs: number;
  /** Free-form figures a check wants to show (counts, grades…). */
  summary?: Record<string, unknown>;
}

export interface RuleHit {
  rule: string;
  kind: 'veto' | 'deduction';
  /** Points actually deducted for this indicator after its cap. */
  points: number;
  findings: number;
}

export interface SiteVerdict {
  verdict: 'pass' | 'fail';
  score: number;
  /** Indicators that decided the verdict, with the findings behind them. */
  decidedBy: RuleHit[];
}

export interface SiteResult extends SiteVerdict {
  site: SiteRef;
  url: string;
  asOf: string;
  startedAt: string;
  finishedAt: string;
  checks: CheckResult[];
  stats: CrawlStats;
  /** Set when the site could not be checked at all (the run records it, nothing is lost). */
  error?: FetchErrorInfo;
}
