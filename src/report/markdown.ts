/**
 * Names and crawled text inside Markdown (tables, lists, the notice draft): one helper for every place a
 * value lands in a heading, a table cell or a list item. Control characters and line breaks go (a break
 * would end the cell or start a new block); Markdown's inline syntax (`\ ` * _ [ ] < > | ~ & #`) is
 * backslash-escaped so a name cannot become a link, an image, HTML, emphasis or a new table column; and a
 * value that would open a block at the start of a line (`#`, `-`, `+`, `>`, `=`, `1. `) is escaped there.
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
