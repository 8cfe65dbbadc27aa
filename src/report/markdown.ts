/**
 * Names and crawled text inside Markdown (tables, lists, the notice draft): one helper for every place a value lands
 * in a heading, a table cell or a list item, so no value can break the cell or start a block. Notes: docs/modules.md.
 */
import { terminalCell } from './terminal.js';

/**
 * Inline Markdown text for a heading, a table cell or a list item. `atLineStart`: the value begins a line
 * or a list item's content (a paragraph, `- value`), where `- `, `1. `, `> ` would open a block; after
 * `## ` or `| ` they cannot, and are left as they read.
 */
export function mdText(v: string | number, atLineStart = true): string {
  const s = terminalCell(String(v)).replace(/[\\`*_[\]<>|~&#!]/g, '\\$&');
  if (!atLineStart) return s;
  return s.replace(/^(\s*)([-+>=])/, '$1\\$2').replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

/** Inline code (`where` selectors): backticks become quotes, line breaks spaces. */
export function mdCode(v: string): string {
  return `\`${terminalCell(v).replace(/`/g, "'")}\``;
}
