/**
 * Compact Aho–Corasick automaton over UTF-16 code units, built for scanning megabytes of Chinese text; the built
 * automaton can be kept in the cache folder (`buildCached`). Notes: docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, writeCacheFile } from './cache-dir.js';

/** Format of the cache file; bump when the arrays change shape or meaning. */
const CACHE_FORMAT = 1;
const MAGIC = 0x41434347; // "GCCA"

export class AhoCorasick<T> {
  private root: Int32Array = new Int32Array(65536).fill(-1);
  private next: Array<Map<number, number> | undefined> = [undefined];
  private fail: Int32Array = new Int32Array(1);
  private out: Array<number[] | undefined> = [undefined];
  /** Patterns added and not yet in the trie (the trie is made by build(), or read from the cache). */
  private pending: string[] = [];
  private readonly lengths: number[] = [];
  /** Outputs after build: the pattern ids of state s are outIds[outStart[s]] … outIds[outStart[s + 1] - 1]. */
  private outStart: Int32Array = new Int32Array(2);
  private outIds: Int32Array = new Int32Array(0);
  private readonly data: T[] = [];
  private built = false;
  /** Non-root transitions after build: one open-addressing table (state, code unit) → state. */
  private tabS: Int32Array = new Int32Array(0);
  private tabC: Uint16Array = new Uint16Array(0);
  private tabN: Int32Array = new Int32Array(0);
  private tabMask = 0;
  /**
   * By state, bit (c & 31) set for each code unit c it has a transition on (derived from the table after build or
   * unpack): a clear bit means no transition, so scan() follows the failure link without probing the table.
   */
  private childBits: Int32Array = new Int32Array(0);

  /** Adds a pattern (non-empty); `data` comes back with each match. */
  add(pattern: string, data: T): void {
    if (this.built) throw new Error('AhoCorasick: add() after build()');
    if (!pattern) return;
    this.pending.push(pattern);
    this.data.push(data);
    this.lengths.push(pattern.length);
  }

  /** Puts the pending patterns into the trie (pattern ids are their order of addition). */
  private insertPending(): void {
    for (let id = 0; id < this.pending.length; id++) {
      const pattern = this.pending[id];
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
      (this.out[s] ??= []).push(id);
    }
    this.pending = [];
  }

  get size(): number {
    return this.data.length;
  }

  get states(): number {
    return this.built ? this.fail.length : this.next.length;
  }

  /** Computes failure links (breadth first) and merges outputs. Called by the first search. */
  build(): this {
    if (this.built) return this;
    this.insertPending();
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
    // outputs as two flat arrays (same order), the per-state maps and lists are no longer needed (add() is closed)
    let total = 0;
    for (const o of this.out) if (o) total += o.length;
    this.outStart = new Int32Array(this.next.length + 1);
    this.outIds = new Int32Array(total);
    let k = 0;
    for (let st = 0; st < this.next.length; st++) {
      this.outStart[st] = k;
      const o = this.out[st];
      if (o) for (const id of o) this.outIds[k++] = id;
    }
    this.outStart[this.next.length] = k;
    this.next = [];
    this.out = [];
    this.deriveChildBits();
    this.built = true;
    return this;
  }

  private deriveChildBits(): void {
    const bits = new Int32Array(this.fail.length);
    for (let h = 0; h < this.tabS.length; h++) if (this.tabS[h] !== -1) bits[this.tabS[h]] |= 1 << (this.tabC[h] & 31);
    this.childBits = bits;
  }

  /**
   * build(), or the automaton read from the cache folder when the same patterns (in the same order) were built
   * before; a cache that cannot be read or written only means building. `name` names the file's family.
   */
  buildCached(name: string): this {
    if (this.built) return this;
    const dir = cacheDir();
    if (!dir || !/^[a-z0-9-]+$/.test(name)) return this.build();
    const h = createHash('sha256')
      .update(`${CACHE_FORMAT}\u0000`)
      .update(readFileSync(fileURLToPath(import.meta.url)));
    // one update of the patterns joined (the same bytes as one update per pattern and separator: ≈ 35 ms less)
    if (this.pending.length) h.update(this.pending.join('\u0000')).update('\u0000');
    const file = path.join(dir, `aho-${name}-${h.digest('hex').slice(0, 24)}.bin`);
    try {
      if (this.unpack(readFileSync(file))) return this;
    } catch {
      // absent or unreadable: build it
    }
    this.build();
    writeCacheFile(file, this.pack(), new RegExp(`^aho-${name}-[0-9a-f]{24}\\.bin$`), 2);
    return this;
  }

  /** The built automaton's arrays in one buffer: magic, six lengths, then the arrays (each at a multiple of 8). */
  private pack(): Buffer {
    const arrays = [this.root, this.fail, this.tabS, this.tabC, this.tabN, this.outStart, this.outIds];
    const head = 8 * 4;
    let size = head;
    for (const a of arrays) size += Math.ceil(a.byteLength / 8) * 8;
    const out = Buffer.alloc(size);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(this.data.length, 4);
    for (let i = 1; i < arrays.length; i++) out.writeUInt32LE(arrays[i].length, 4 + 4 * i);
    let pos = head;
    for (const a of arrays) {
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, pos);
      pos += Math.ceil(a.byteLength / 8) * 8;
    }
    return out;
  }

  /** Takes the arrays of a cache file made for the same patterns; false when it does not fit them. */
  private unpack(file: Buffer): boolean {
    if (file.length < 32 || file.readUInt32LE(0) !== MAGIC || file.readUInt32LE(4) !== this.data.length) return false;
    const n = [65536, ...[1, 2, 3, 4, 5, 6].map((i) => file.readUInt32LE(4 + 4 * i))];
    const bytes = [4, 4, 4, 2, 4, 4, 4];
    let need = 32;
    for (let i = 0; i < n.length; i++) need += Math.ceil((n[i] * bytes[i]) / 8) * 8;
    const states = n[1];
    if (need !== file.length || n[2] !== n[3] || n[2] !== n[4] || n[5] !== states + 1 || (n[2] & (n[2] - 1)) !== 0) return false;
    const buf = file.byteOffset % 8 === 0 ? file : Buffer.from(file);
    let pos = buf.byteOffset + 32;
    const views: Array<Int32Array | Uint16Array> = [];
    for (let i = 0; i < n.length; i++) {
      views.push(i === 3 ? new Uint16Array(buf.buffer, pos, n[i]) : new Int32Array(buf.buffer, pos, n[i]));
      pos += Math.ceil((n[i] * bytes[i]) / 8) * 8;
    }
    this.root = views[0] as Int32Array;
    this.fail = views[1] as Int32Array;
    this.tabS = views[2] as Int32Array;
    this.tabC = views[3] as Uint16Array;
    this.tabN = views[4] as Int32Array;
    this.tabMask = n[2] - 1;
    this.outStart = views[5] as Int32Array;
    this.outIds = views[6] as Int32Array;
    this.pending = [];
    this.next = [];
    this.out = [];
    this.deriveChildBits();
    this.built = true;
    return true;
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
    const outStart = this.outStart;
    const outIds = this.outIds;
    const lengths = this.lengths;
    const data = this.data;
    const tabS = this.tabS;
    const tabC = this.tabC;
    const tabN = this.tabN;
    const mask = this.tabMask;
    const childBits = this.childBits;
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
        const bit = 1 << (c & 31);
        for (;;) {
          let n = -1;
          if (childBits[s] & bit) {
            let h = slot(s, c) & mask;
            for (let k = tabS[h]; k !== -1; k = tabS[h]) {
              if (k === s && tabC[h] === c) {
                n = tabN[h];
                break;
              }
              h = (h + 1) & mask;
            }
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
      for (let k = outStart[s], e = outStart[s + 1]; k < e; k++) {
        const id = outIds[k];
        onMatch(i + 1 - lengths[id], i + 1, data[id]);
      }
    }
  }
}

/** Hash of a (state, code unit) pair. */
function slot(s: number, c: number): number {
  return (Math.imul(s ^ (c << 20) ^ (c >>> 12), 0x9e3779b1) >>> 12) ^ Math.imul(c, 0x85ebca6b);
}
