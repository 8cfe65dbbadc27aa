/**
 * The redirect policy of both HTML engines: a chain walked with cookies kept per host as a browser does; back to a URL
 * of the chain with nothing new to send is a loop (a cookie set on the way is not), and more than `maxHops` hops are
 * too many. Each engine computes the next URL its own way and asks this walk about every hop.
 */
import { GovcheckFetchError } from '../net/errors.js';
import type { RedirectHop } from '../types.js';

export const MAX_REDIRECTS = 20;

/** Keeps the hops walked so far on an error, for the page's evidence. */
export function withChain(e: Error, chain: RedirectHop[]): Error {
  return Object.assign(e, { chain: [...chain] });
}

export class RedirectWalk {
  readonly chain: RedirectHop[] = [];
  private readonly cookies = new Map<string, Map<string, string>>();

  constructor(
    private readonly startUrl: string,
    private readonly maxHops = MAX_REDIRECTS,
  ) {}

  /** The Cookie header for a request to `host` (empty when nothing was set for it). */
  cookieHeader(host: string): string {
    return [...(this.cookies.get(host) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /**
   * Records the redirect from `from` (answered `status`, set-cookie headers `setCookie`) to `next`; throws
   * redirect_loop or too_many_redirects (with the chain) when the walk must stop.
   */
  hop(from: string, host: string, status: number, next: string, setCookie: string | string[] | undefined): void {
    let cookieChanged = false;
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
      if (!m) continue;
      const jar = this.cookies.get(host) ?? new Map<string, string>();
      if (jar.get(m[1]) !== m[2]) cookieChanged = true;
      jar.set(m[1], m[2]);
      this.cookies.set(host, jar);
    }
    const revisit = next === this.startUrl || this.chain.some((h) => h.url === next);
    this.chain.push({ url: from, status, location: next });
    if (revisit && !cookieChanged) throw withChain(new GovcheckFetchError('redirect_loop', `redirect loop: ${[...this.chain.map((h) => h.url), next].join(' → ')}`), this.chain);
    if (this.chain.length > this.maxHops) throw withChain(new GovcheckFetchError('too_many_redirects', `more than ${this.maxHops} redirects`), this.chain);
  }
}
