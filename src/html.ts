/** HTML element classes shared by the page extractor (src/gather/extract.ts) and the content analysis's text reader. */

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
