/** HTML element classes and a string copy shared by the page extractor (src/gather/extract.ts) and the content analysis. */

/** Elements whose text is never visible page text. */
export const INVISIBLE_ELEMENTS: ReadonlySet<string> = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'object', 'iframe', 'select']);

/** Block elements: their text is separated by newlines. */
export const BLOCK_ELEMENTS: ReadonlySet<string> = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'tr',
  'td',
  'th',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'section',
  'article',
  'header',
  'footer',
  'nav',
  'aside',
  'dd',
  'dt',
  'dl',
  'form',
  'blockquote',
  'pre',
  'hr',
  'main',
  'title',
]);

/**
 * A string that shares nothing with a larger one (a substring of the page's HTML keeps all of it alive). V8 makes
 * a substring of 13 or more characters a view into its parent; prefixing a character makes a concatenation, and
 * slicing that flattens it into a fresh string first: one copy, without the UTF-8 round trip this used to take.
 */
export function detached(s: string): string {
  return s.length > 12 ? ` ${s}`.slice(1) : s;
}
