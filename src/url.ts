/**
 * The one allowlist for every URL herald puts into an email: links and images in a post, the
 * post's own URL (url/permalink, or postUrl), the site and logo URLs. Anything that is not http,
 * https or mailto (javascript:, data:, file:, vbscript:, a custom app scheme) never reaches a
 * subscriber, however it is spelt: the URL is parsed as a browser would, then its scheme checked.
 */
export const URL_SCHEMES: readonly string[] = ['http:', 'https:', 'mailto:'];
/** Images are fetched by the mail client, so only from the web. */
export const IMAGE_SCHEMES: readonly string[] = ['http:', 'https:'];

/**
 * The URL as it goes into the email: absolute (a relative one resolved against the site), or an
 * in-page anchor (#x) kept as written; undefined when its scheme is not allowed or it does not
 * parse. `image` narrows the schemes to http(s).
 */
export function allowedUrl(value: string, baseUrl: string, opts: { image?: boolean } = {}): string | undefined {
  const trimmed = value.trim();
  if (trimmed.startsWith('#') && !opts.image) return /[\u0000-\u001f\u007f]/.test(trimmed) ? undefined : trimmed;
  let parsed: URL;
  try {
    parsed = new URL(trimmed, baseUrl);
  } catch {
    return undefined;
  }
  if (!(opts.image ? IMAGE_SCHEMES : URL_SCHEMES).includes(parsed.protocol)) return undefined;
  // written with a scheme: kept as the author wrote it (the parser may tidy it); else resolved
  return /^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/[\s\u0000-\u001f\u007f]/.test(trimmed) ? trimmed : parsed.toString();
}

/**
 * A root-relative path ("/assets/x.png") as the site means it: under siteUrl's own path when the
 * site lives in a folder (GitHub Pages' /repo/), unless the path already starts with that folder.
 * Anything else is returned as written, to be resolved against the page it appears on.
 */
export function underSite(value: string, siteUrl: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('/') || trimmed.startsWith('//')) return value;
  let sitePath: string;
  try {
    sitePath = new URL(siteUrl).pathname;
  } catch {
    return value;
  }
  if (sitePath === '/' || trimmed.startsWith(sitePath) || `${trimmed}/` === sitePath) return value;
  return new URL(trimmed.slice(1), siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`).toString();
}
