import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    // The tests build dictionary and lexicon variants: they get a cache folder of their own, so they never push the
    // user's builds out of ~/.cache/govcheck (it keeps the newest few of each kind).
    env: { GOVCHECK_CACHE_DIR: process.env.GOVCHECK_CACHE_DIR ?? path.join(os.tmpdir(), 'govcheck-test-cache') },
  },
});
