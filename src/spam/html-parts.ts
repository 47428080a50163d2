/** The few pieces of an email's HTML the lint reads: tags and their attributes, links and their text, visible text. */

export interface Tag {
  readonly attrs: ReadonlyMap<string, string>;
}

export function stripComments(html: string): string {
  // Outlook's conditional comments hold markup too, but nothing a reader of other clients sees
  return html.replace(/<!--[\s\S]*?-->/g, '');
}

const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

export function tags(html: string, name: string): Tag[] {
  const out: Tag[] = [];
  const re = new RegExp(`<${name}(?=[\\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>`, 'gi');
  for (const match of html.matchAll(re)) {
    const attrs = new Map<string, string>();
    for (const a of match[1]!.matchAll(ATTR)) {
      const key = a[1]!.toLowerCase();
      if (!attrs.has(key)) attrs.set(key, decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
    }
    out.push({ attrs });
  }
  return out;
}

export function visibleText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' '),
  );
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', middot: '·', copy: '©' };
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

/** Each <a> with its attributes and the text a reader sees as the link. */
export function anchors(html: string): { readonly href: string; readonly text: string }[] {
  const out: { href: string; text: string }[] = [];
  for (const match of html.matchAll(/<a(?=[\s>])((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/a\s*>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of match[1]!.matchAll(ATTR)) {
      const key = a[1]!.toLowerCase();
      if (!attrs.has(key)) attrs.set(key, decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
    }
    out.push({ href: (attrs.get('href') ?? '').trim(), text: visibleText(match[2]!).replace(/\s+/g, ' ').trim() });
  }
  return out;
}
