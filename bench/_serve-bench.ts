/** Child process for the benchmarks: serves a generated bench site on 127.0.0.1 and prints its origin. */
import { generateBenchSite } from '../tests/fixtures/bench-site.js';
import { serve } from '../tests/fixtures/site.js';

const pages = Number(process.argv[2] ?? 5000);
const site = generateBenchSite({ pages });
const s = await serve(site.routes);
process.stdout.write(JSON.stringify({ origin: s.origin, broken: [...site.broken].sort(), pages: site.pages }) + '\n');
process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
