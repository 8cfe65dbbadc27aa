/**
 * Links that government pages carry to outside services (config/service-links.yaml): the national inspection and
 * 「我为政府网站找错」 service, the 党政机关网站标识 (conac), the CMS vendor's credit, statistics counters and share
 * widgets. dark-links does not take them for dark links; jiucuo looks for the 找错 entrance among them.
 */
import { z } from 'zod';
import { shippedList } from '../../config.js';

export const serviceLinkSchema = z.object({
  kind: z.enum(['jiucuo', 'inspection', 'conac', 'vendor', 'statistics', 'share']),
  /** Host names (a subdomain matches too); absent = any host. */
  hosts: z.array(z.string().min(1)).optional(),
  /** Path prefixes (or, starting with a slash and no other, any path ending so: see `matches`); absent = any path. */
  paths: z.array(z.string().min(1)).optional(),
});
export type ServiceLink = z.infer<typeof serviceLinkSchema>;

/** The shipped list (config/service-links.yaml). */
export const DEFAULT_SERVICE_LINKS = shippedList('service-links.yaml', serviceLinkSchema, []);

/** The kind of service a link goes to (see config/service-links.yaml), or undefined. */
export function serviceLinkKind(url: URL, list: ServiceLink[]): ServiceLink['kind'] | undefined {
  const host = url.hostname.toLowerCase();
  const p = url.pathname.toLowerCase();
  const hit = list.find((e) => (!e.hosts || e.hosts.some((h) => host === h || host.endsWith(`.${h}`))) && (!e.paths || e.paths.some((x) => p.startsWith(x.toLowerCase()))));
  return hit?.kind;
}
