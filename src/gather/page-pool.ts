/**
 * Page workers: decoding, parsing, extraction and the checks' collectors (`processPage`) on other cores, while the
 * crawl's own thread keeps fetching. One pool per process, shared by every site crawled in it (a quarterly run
 * crawls several at once); idle workers exit after a while and are started again on need. Notes: docs/modules.md.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FetchErrorInfo, PageArtifact, SiteRef } from '../types.js';
import type { FetchedPage } from './process.js';

/** What a worker needs to process pages of one site (sent once per worker and site). */
export interface PoolSiteContext {
  site: SiteRef;
  asOf: string;
  siteHosts: string[];
  /** The site's collectors: id, options and the file URL the worker loads the check from. */
  checks: Array<{ id: string; options: unknown; source?: string }>;
}

export class PageWorkerError extends Error {
  constructor(
    message: string,
    readonly info: FetchErrorInfo,
    /** Not the page's fault (not sent, or the worker could not load the site's checks): process it in-thread. */
    readonly inThread = false,
  ) {
    super(message);
    this.name = 'PageWorkerError';
  }
}

interface Task {
  id: number;
  key: string;
  page: FetchedPage;
  context: () => PoolSiteContext;
  attempts: number;
  resolve: (p: PageArtifact) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Task>;
  contexts: Set<string>;
  idleTimer?: NodeJS.Timeout;
  dead: boolean;
}

/** The compiled worker next to this module, or — when running from TypeScript sources — the one in dist/. */
export function pageWorkerUrl(): URL | undefined {
  const own = new URL('./page-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(own))) return own;
  const built = new URL('../../dist/src/gather/page-worker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : undefined;
}

/** Sites in flight from which `auto` starts one page worker on a machine of 2 or 3 cores. */
export const AUTO_SITES_FOR_A_WORKER = 16;

/**
 * Workers for `parseWorkers: 'auto'`, given the sites this process is crawling now: every core but two (the crawl's
 * thread and the rest of the machine), at most 4, from 4 cores; on 2 or 3 cores one while at least
 * AUTO_SITES_FOR_A_WORKER sites are in flight (a quarterly run), else none. Measured on 2 cores: for one site a
 * worker bought no speed (the crawl thread, the worker and the local test server share two cores) and cost CPU and
 * memory (loading the checks and dictionaries again, copying artifacts); with many slow sites in flight the crawl's
 * thread is what waits and one worker shortens the run. See docs/benchmarks.md "Page workers".
 */
export function autoWorkers(sitesInFlight: number, cores = availableCores()): number {
  if (cores >= 4) return Math.min(4, cores - 2);
  return cores >= 2 && sitesInFlight >= AUTO_SITES_FOR_A_WORKER ? 1 : 0;
}

let cores: number | undefined;
/** The cores this process may use (asked once: the crawl asks for every page). */
function availableCores(): number {
  cores ??= typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores;
}

/** Heap bytes a parsed page may take per byte of HTML (DOM nodes, strings, collectors' lists): a generous bound. */
const PARSE_COST = 8;

export class PagePool {
  private slots: Slot[] = [];
  private nextId = 1;
  /** Pages processed by this pool's workers so far. */
  processed = 0;

  constructor(
    public size: number,
    private readonly url: URL,
    private readonly heapLimitMb = 1024,
    private readonly idleMs = 15_000,
  ) {}

  private spawn(): Slot {
    const worker = new Worker(this.url, { resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb } });
    const slot: Slot = { worker, pending: new Map(), contexts: new Set(), dead: false };
    worker.unref();
    worker.on('message', (m: { id: number; page?: PageArtifact; error?: string; context?: boolean }) => {
      const task = slot.pending.get(m.id);
      if (!task) return;
      slot.pending.delete(m.id);
      this.settled(slot);
      if (m.page) {
        this.processed++;
        task.resolve(m.page);
      } else task.reject(new PageWorkerError(`page processing failed: ${m.error}`, { kind: 'unknown', message: `page processing failed: ${m.error}` }, Boolean(m.context)));
    });
    const die = (err: Error | number) => {
      if (slot.dead) return;
      slot.dead = true;
      clearTimeout(slot.idleTimer);
      this.slots = this.slots.filter((s) => s !== slot);
      const oom = typeof err !== 'number' && (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      for (const task of slot.pending.values()) {
        // A page that exhausted one worker's heap would exhaust the next: only other failures are retried.
        if (task.attempts < 2 && !oom) {
          this.dispatch(task);
        } else {
          const info: FetchErrorInfo = oom
            ? { kind: 'too_large', message: `page processing ran out of memory (worker heap limit ${this.heapLimitMb} MB)` }
            : { kind: 'unknown', message: `page worker stopped: ${typeof err === 'number' ? `exit code ${err}` : err.message}` };
          task.reject(new PageWorkerError(info.message, info));
        }
      }
      slot.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(code));
    this.slots.push(slot);
    return slot;
  }

  /** Keeps the process alive only while a worker has work; stops a worker that stayed idle. */
  private settled(slot: Slot): void {
    if (slot.pending.size > 0) return;
    slot.worker.unref();
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.pending.size === 0 && !slot.dead) {
        slot.dead = true;
        this.slots = this.slots.filter((s) => s !== slot);
        void slot.worker.terminate();
      }
    }, this.idleMs);
    slot.idleTimer.unref();
  }

  private dispatch(task: Task): void {
    let slot = this.slots.length < this.size ? this.spawn() : this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    if (slot.dead) slot = this.spawn();
    task.attempts++;
    clearTimeout(slot.idleTimer);
    if (slot.pending.size === 0) slot.worker.ref();
    slot.pending.set(task.id, task);
    try {
      if (!slot.contexts.has(task.key)) {
        slot.worker.postMessage({ type: 'context', key: task.key, context: task.context() });
        slot.contexts.add(task.key);
      }
      slot.worker.postMessage({ type: 'page', id: task.id, key: task.key, page: task.page });
    } catch (e) {
      // Not cloneable (a check option that is not plain data): the caller processes the page itself.
      slot.pending.delete(task.id);
      this.settled(slot);
      task.reject(new PageWorkerError(`page not sent to a worker: ${(e as Error).message}`, { kind: 'unknown', message: String((e as Error).message) }, true));
    }
  }

  /** Processes one page of the site `key` on a worker. */
  process(key: string, context: () => PoolSiteContext, page: FetchedPage): Promise<PageArtifact> {
    // A parsed document costs many times its bytes. A page that would not fit the worker's heap is refused before
    // parsing: a worker that reaches its heap limit is usually stopped alone, but V8 can also abort the whole
    // process when the limit is hit mid-allocation (seen once in a full test run), so the limit is not a boundary
    // to lean on.
    if (page.body.length * PARSE_COST > this.heapLimitMb * 1024 * 1024) {
      const info: FetchErrorInfo = { kind: 'too_large', message: `page too large to parse within the worker heap limit (${this.heapLimitMb} MB): ${page.body.length} bytes` };
      return Promise.reject(new PageWorkerError(info.message, info));
    }
    return new Promise((resolve, reject) => this.dispatch({ id: this.nextId++, key, page, context, attempts: 0, resolve, reject }));
  }

  /** The site is done: workers drop its context. */
  forget(key: string): void {
    for (const s of this.slots) {
      if (s.contexts.delete(key)) s.worker.postMessage({ type: 'forget', key });
    }
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => ((s.dead = true), s.worker.terminate())));
  }
}

let shared: PagePool | undefined;

/** The process's page pool with at least `size` workers; undefined when no worker can be started. */
export function sharedPagePool(size: number): PagePool | undefined {
  if (size <= 0) return undefined;
  const url = pageWorkerUrl();
  if (!url) return undefined;
  if (!shared) shared = new PagePool(size, url);
  else if (shared.size < size) shared.size = size;
  return shared;
}
