/** A file-system-safe name for a site id (a module of its own: a website check needs it without the feed parser). */
export function safeName(id: string): string {
  return (
    id
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 120) || 'site'
  );
}
