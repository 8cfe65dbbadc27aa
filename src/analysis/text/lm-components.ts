/**
 * Component candidates of the language-model pass: characters one component apart (斗/科, 女/安: one is a direct
 * component of the other; 持/特: same layout, one component swapped), derived from Ideographic Description Sequences
 * and kept in models/component-pairs.txt. Notes: docs/modules.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR } from '../../config.js';
import { pushFirstUnits } from './lm-phonetic.js';

/** The shipped pair file. */
export const DEFAULT_COMPONENTS = path.resolve(CONFIG_DIR, '../models/component-pairs.txt');

/** An IDS as a tree: a character (or description component) or an operator with its operands. */
export type IdsNode = string | { op: string; kids: IdsNode[] };

const ARITY: Record<string, number> = { '⿲': 3, '⿳': 3, '⿾': 1, '⿿': 1 };
const isIdc = (c: string) => (c >= '⿰' && c <= '⿿') || c === '㇯';

/** Parses one IDS (`⿰禾斗`); undefined when malformed. */
export function parseIdsString(s: string): IdsNode | undefined {
  const cps = [...s];
  let i = 0;
  const node = (): IdsNode | undefined => {
    const c = cps[i++];
    if (c === undefined) return undefined;
    if (!isIdc(c)) return c;
    const kids: IdsNode[] = [];
    for (let k = 0; k < (ARITY[c] ?? 2); k++) {
      const kid = node();
      if (kid === undefined) return undefined;
      kids.push(kid);
    }
    return { op: c, kids };
  };
  const r = node();
  return r !== undefined && i === cps.length ? r : undefined;
}

export const idsKey = (n: IdsNode): string => (typeof n === 'string' ? n : n.op + n.kids.map(idsKey).join(''));

/**
 * ids.txt of the CJKVI IDS database (`U+79D1<TAB>科<TAB>⿰禾斗[GTJK]<TAB>…`): for each CJK character of the Basic
 * Multilingual Plane, its first decomposition used in mainland China (tag G, or untagged). Characters that are
 * their own IDS (斗) get none.
 */
export function parseIds(text: string): Map<string, IdsNode> {
  const out = new Map<string, IdsNode>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('U+')) continue;
    const f = line.split('\t');
    const ch = f[1];
    if (!ch || ch.length !== 1) continue;
    const cp = ch.charCodeAt(0);
    if (!((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf))) continue;
    for (const alt of f.slice(2)) {
      const m = /^([^[]+)(?:\[([A-Z]+)\])?$/.exec(alt.trim());
      if (!m || (m[2] && !m[2].includes('G'))) continue;
      const t = parseIdsString(m[1]);
      if (t !== undefined && typeof t !== 'string') out.set(ch, t);
      break;
    }
  }
  return out;
}

export interface ComponentOptions {
  /** A is a direct component of B (科 = ⿰禾斗: 斗/科, 禾/科). */
  contains: boolean;
  /** Same layout, one component swapped (持 = ⿰扌寺, 特 = ⿰牛寺). */
  swap: boolean;
  /** A swap class larger than this is dropped (⿰氵_ would make every water character a neighbour of every other). */
  maxSwapClass: number;
}

/**
 * Pairs of characters one component apart, among the characters `keep` accepts (e.g. those the model knows).
 * Returns each character's neighbours (both directions).
 */
export function componentNeighbours(ids: Map<string, IdsNode>, keep: (ch: string) => boolean, o: ComponentOptions): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a === b || !keep(a) || !keep(b)) return;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      let s = out.get(x);
      if (!s) out.set(x, (s = new Set()));
      s.add(y);
    }
  };
  // a component written as its own decomposition (⿱⿱宀女木 for 案) is the character too
  const byKey = new Map<string, string>();
  for (const [ch, t] of ids) if (keep(ch)) byKey.set(idsKey(t), ch);
  const asChar = (n: IdsNode) => (typeof n === 'string' ? n : byKey.get(idsKey(n)));
  const classes = new Map<string, string[]>();
  for (const [ch, t] of ids) {
    if (!keep(ch) || typeof t === 'string') continue;
    if (o.contains)
      for (const k of t.kids) {
        const a = asChar(k);
        if (a) add(a, ch);
      }
    if (o.swap)
      for (let i = 0; i < t.kids.length; i++) {
        const key = `${t.op}${t.kids.map((k, j) => (j === i ? '*' : `(${idsKey(k)})`)).join('')}`;
        let c = classes.get(key);
        if (!c) classes.set(key, (c = []));
        c.push(ch);
      }
  }
  for (const c of classes.values()) {
    if (c.length < 2 || c.length > o.maxSwapClass) continue;
    for (let i = 0; i < c.length; i++) for (let j = i + 1; j < c.length; j++) add(c[i], c[j]);
  }
  return out;
}

/** The pair file: comment lines (#) and `CHARACTER<TAB>NEIGHBOURS` lines, characters in code order. */
export function formatComponentPairs(nb: Map<string, Set<string>>, header: string[]): string {
  const keys = [...nb.keys()].sort();
  return `${header.map((h) => `# ${h}`).join('\n')}\n${keys.map((k) => `${k}\t${[...nb.get(k)!].sort().join('')}`).join('\n')}\n`;
}

/** The pair file read back: code → neighbour codes. */
export function parseComponentPairs(text: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    if (tab !== 1) continue;
    out.set(line.charCodeAt(0), pushFirstUnits(line.slice(tab + 1).trim(), []));
  }
  return out;
}

/** The pair file's text, or '' when it does not exist. */
export function readComponentFile(file = DEFAULT_COMPONENTS): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
