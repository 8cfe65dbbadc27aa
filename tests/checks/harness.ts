/**
 * The set-up the check tests share: the shipped config, one check module with its options parsed by its own
 * schema (as the collectors and runChecks take it), and running that check over artifacts made without a
 * network (`artifactsFromHtml`) or gathered from a fixture server.
 */
import type { CheckModule } from '../../src/check-api/api.js';
import { loadConfig } from '../../src/config.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult, SiteArtifacts } from '../../src/types.js';

export { artifactsFromHtml } from '../../src/gather/page-artifact.js';

export const config = loadConfig();

/** `[{ module, options }]` with the options parsed (defaults filled in), for `collectors` and `runChecks`. */
export function withOptions(module: CheckModule, options: Record<string, unknown> = {}): Array<{ module: CheckModule; options: unknown }> {
  return [{ module, options: module.meta.options.parse(options) }];
}

/** Runs one check over the artifacts with the shipped config; a fresh HTTP client unless one is given. */
export async function runCheck(artifacts: SiteArtifacts, module: CheckModule, options: Record<string, unknown> = {}, http: HttpClient = new HttpClient()): Promise<CheckResult> {
  const [r] = await runChecks(artifacts, withOptions(module, options), { config, http });
  return r;
}
