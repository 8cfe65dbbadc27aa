/** Minimal types for word-extractor (the package ships none): the parts govcheck reads. */
declare module 'word-extractor' {
  interface WordDocument {
    getBody(): string;
    getHeaders(opts?: { includeFooters?: boolean }): string;
    getFooters(): string;
    getFootnotes(): string;
    getEndnotes(): string;
    getAnnotations(): string;
    getTextboxes?(opts?: { includeHeadersAndFooters?: boolean; includeBody?: boolean }): string;
  }
  export default class WordExtractor {
    extract(source: string | Buffer): Promise<WordDocument>;
  }
}
