/** Defaults of `govcheck run` that its --help shows: a module of its own, so the help does not load the runner. */
export const DEFAULT_RUN_CONCURRENCY = 4;
