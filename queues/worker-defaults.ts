/** Defaults of `govcheck worker` that its --help shows: a module of its own, so the help does not load BullMQ. */
export const WORKER_DEFAULTS = { lockDurationMs: 60_000, stalledIntervalMs: 30_000, maxStalledCount: 2, drainTimeoutMs: 30_000, closeGraceMs: 5_000, errorLogIntervalMs: 10_000 } as const;
