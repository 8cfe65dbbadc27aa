/** House rules that hold over the whole source tree: short file headers, and the one-way gather → checks boundary. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const FOLDERS = ['src', 'checks', 'queues', 'bench', 'eval', 'scripts', 'tests'];
const MAX_HEADER_LINES = 5;

/** Every .ts file of the source folders (and the root), as paths relative to the repository. */
function sourceFiles(): string[] {
  const out = readdirSync(ROOT).filter((f) => f.endsWith('.ts'));
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push(rel);
    }
  };
  for (const d of FOLDERS) walk(d);
  return out.sort();
}

/** Lines of the comment block a file opens with (after a shebang); a blank line or code ends it. */
function headerLines(text: string): number {
  const lines = text.split('\n');
  let i = lines[0]?.startsWith('#!') ? 1 : 0;
  let n = 0;
  let inBlock = false;
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (inBlock) {
      n++;
      if (t.includes('*/')) inBlock = false;
    } else if (t.startsWith('//')) n++;
    else if (t.startsWith('/*')) {
      n++;
      inBlock = !t.slice(2).includes('*/');
    } else break;
  }
  return n;
}

/** Module paths a file imports (static `from '…'` and dynamic `import('…')`), resolved against the repository root. */
function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)));
}

describe('house rules', () => {
  const files = sourceFiles();
  const text = new Map(files.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));

  it('counts header lines as the rule means them', () => {
    expect(headerLines('/**\n * a\n * b\n */\nimport x;')).toBe(4);
    expect(headerLines('#!/usr/bin/env node\n// a\n// b\n\n/** not the header */\n')).toBe(2);
    expect(headerLines('import x;\n/** a\n * b\n * c\n * d\n * e\n */')).toBe(0);
  });

  it(`every file's header comment is ${MAX_HEADER_LINES} lines at most (the detail goes to docs/modules.md)`, () => {
    expect(files.length).toBeGreaterThan(100);
    const long = files.filter((f) => headerLines(text.get(f)!) > MAX_HEADER_LINES).map((f) => `${f} (${headerLines(text.get(f)!)} lines)`);
    expect(long).toEqual([]);
  });

  it('checks never import gather, gather never imports the check registry, and only the page service and site-check reach into gather', () => {
    const crossings: string[] = [];
    for (const f of files.filter((x) => x.startsWith('src/') || x.startsWith('checks/') || x.startsWith('queues/'))) {
      for (const target of importsOf(f, text.get(f)!)) {
        const intoGather = target.startsWith('src/gather/');
        if (intoGather && !f.startsWith('src/gather/') && f !== 'src/site-check.ts' && f !== 'src/check-api/pages.ts') crossings.push(`${f} → ${target}`);
        if (f.startsWith('src/gather/') && target.startsWith('src/check-api/registry')) crossings.push(`${f} → ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });
});
