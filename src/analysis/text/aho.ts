/**
 * Compact Aho–Corasick automaton over UTF-16 code units, built for scanning megabytes of Chinese text. Notes:
 * docs/modules.md.
 */
export class AhoCorasick<T> {
  private readonly root = new Int32Array(65536).fill(-1);
  private next: Array<Map<number, number> | undefined> = [undefined];
  private fail: Int32Array = new Int32Array(1);
  private out: Array<number[] | undefined> = [undefined];
  private readonly lengths: number[] = [];
  private readonly data: T[] = [];
  private built = false;
  /** Non-root transitions after build: one open-addressing table (state, code unit) → state. */
  private tabS: Int32Array = new Int32Array(0);
  private tabC: Uint16Array = new Uint16Array(0);
  private tabN: Int32Array = new Int32Array(0);
  private tabMask = 0;

  /** Adds a pattern (non-empty); `data` comes back with each match. */
  add(pattern: string, data: T): void {
    if (this.built) throw new Error('AhoCorasick: add() after build()');
    if (!pattern) return;
    let s = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      let n: number | undefined;
      if (s === 0) {
        n = this.root[c];
        if (n < 0) {
          n = this.next.length;
          this.next.push(undefined);
          this.out.push(undefined);
          this.root[c] = n;
        }
      } else {
        let m = this.next[s];
        if (!m) this.next[s] = m = new Map();
        n = m.get(c);
        if (n === undefined) {
          n = this.next.length;
          this.next.push(undefined);
          this.out.push(undefined);
          m.set(c, n);
        }
      }
      s = n;
    }
    const id = this.data.length;
    this.data.push(data);
    this.lengths.push(pattern.length);
    (this.out[s] ??= []).push(id);
  }

  get size(): number {
    return this.data.length;
  }

  get states(): number {
    return this.next.length;
  }

  /** Computes failure links (breadth first) and merges outputs. Called by the first search. */
  build(): this {
    if (this.built) return this;
    const fail = new Int32Array(this.next.length);
    const queue: number[] = [];
    for (let c = 0; c < 65536; c++) {
      const n = this.root[c];
      if (n >= 0) {
        fail[n] = 0;
        queue.push(n);
      }
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      const m = this.next[s];
      if (!m) continue;
      for (const [c, n] of m) {
        queue.push(n);
        const t = this.step(fail[s], c, fail);
        fail[n] = t;
        const o = this.out[t];
        if (o) this.out[n] = this.out[n] ? [...this.out[n]!, ...o] : o;
      }
    }
    this.fail = fail;
    // freeze the transitions into one flat hash table (typed arrays: no Map lookup per character)
    let count = 0;
    for (const m of this.next) if (m) count += m.size;
    let size = 1;
    while (size < count * 2 + 2) size <<= 1;
    this.tabS = new Int32Array(size).fill(-1);
    this.tabC = new Uint16Array(size);
    this.tabN = new Int32Array(size);
    this.tabMask = size - 1;
    for (let st = 0; st < this.next.length; st++) {
      const m = this.next[st];
      if (!m) continue;
      for (const [c, n] of m) {
        let h = slot(st, c) & this.tabMask;
        while (this.tabS[h] !== -1) h = (h + 1) & this.tabMask;
        this.tabS[h] = st;
        this.tabC[h] = c;
        this.tabN[h] = n;
      }
    }
    // the per-state maps are no longer needed (add() is closed after build)
    this.next.fill(undefined);
    this.built = true;
    return this;
  }

  private step(s: number, c: number, fail: Int32Array): number {
    for (;;) {
      if (s === 0) {
        const n = this.root[c];
        return n < 0 ? 0 : n;
      }
      const n = this.next[s]?.get(c);
      if (n !== undefined) return n;
      s = fail[s];
    }
  }

  /** Calls `onMatch(start, end, data)` for every occurrence (overlapping included), in order of end. */
  scan(text: string, onMatch: (start: number, end: number, data: T) => void, from = 0, to = text.length): void {
    if (!this.built) this.build();
    const root = this.root;
    const fail = this.fail;
    const out = this.out;
    const tabS = this.tabS;
    const tabC = this.tabC;
    const tabN = this.tabN;
    const mask = this.tabMask;
    let s = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (s === 0) {
        s = root[c];
        if (s < 0) {
          s = 0;
          continue;
        }
      } else {
        for (;;) {
          let h = slot(s, c) & mask;
          let n = -1;
          for (let k = tabS[h]; k !== -1; k = tabS[h]) {
            if (k === s && tabC[h] === c) {
              n = tabN[h];
              break;
            }
            h = (h + 1) & mask;
          }
          if (n >= 0) {
            s = n;
            break;
          }
          s = fail[s];
          if (s === 0) {
            s = root[c];
            if (s < 0) s = 0;
            break;
          }
        }
      }
      const o = out[s];
      if (o) for (const id of o) onMatch(i + 1 - this.lengths[id], i + 1, this.data[id]);
    }
  }
}

/** Hash of a (state, code unit) pair. */
function slot(s: number, c: number): number {
  return (Math.imul(s ^ (c << 20) ^ (c >>> 12), 0x9e3779b1) >>> 12) ^ Math.imul(c, 0x85ebca6b);
}
