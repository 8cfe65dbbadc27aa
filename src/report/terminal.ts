/**
 * Text meant for a terminal. Crawled strings (titles, anchor texts, snippets, URLs, messages quoting them) and
 * registry fields can carry escape sequences: clear screen, cursor moves, OSC 8 hyperlinks and window titles, C1
 * controls, and bidi overrides that reorder what is shown. Notes: docs/modules.md.
 */
import { stripVTControlCharacters } from 'node:util';

// C0 controls except TAB and LF, DEL, C1 controls, and the bidi embeddings/overrides/isolates
// (U+202A–U+202E, U+2066–U+2069) plus the implicit marks LRM, RLM, ALM.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** Drops escape sequences and control characters; keeps TAB and line breaks (CR LF and CR become LF). */
export function terminalText(s: string): string {
  return stripVTControlCharacters(String(s).replace(/\r\n?/g, '\n')).replace(CONTROLS, '');
}

/** One line of text: as `terminalText`, with TABs and line breaks turned into spaces. */
export function terminalCell(s: string | number): string {
  return terminalText(String(s)).replace(/[\t\n]/g, ' ');
}
