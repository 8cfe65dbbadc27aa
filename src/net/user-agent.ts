/** How govcheck names itself to the sites it inspects: the crawl and the checks' probes send the same (`http.userAgent`). */
export const GOVCHECK_USER_AGENT = 'Mozilla/5.0 (compatible; govcheck/0.1; site inspection)';
