import { ErrorCode, type Problem, warning } from '../errors';
import type { Generator } from './generators';

/**
 * A site generator's template syntax in a post (Liquid for Jekyll and Eleventy, shortcodes for
 * Hugo) becomes what the site would show, or is removed with a warning: it never reaches a reader
 * as written. Fenced code and inline code are left exactly as they are.
 */
export interface SyntaxContext {
  readonly generator: Generator | undefined;
  /** The post's file, for warnings. */
  readonly file: string;
  /** The line of the file where the body starts. */
  readonly bodyLine: number;
  /** `site.*` and `page.*` values, by their full name ("site.url"). */
  readonly variables: Readonly<Record<string, string>>;
  /** The absolute URL of a post or page named by `post_url`, `link`, `ref` or `relref`, when it can be worked out. */
  readonly urlOf: (kind: 'post_url' | 'link' | 'ref', name: string) => string | undefined;
}

export function convertSiteSyntax(body: string, ctx: SyntaxContext): { body: string; problems: Problem[] } {
  if (ctx.generator === 'astro' && /\.mdx$/i.test(ctx.file)) return withoutMdx(body, ctx);
  if (ctx.generator !== 'jekyll' && ctx.generator !== 'eleventy' && ctx.generator !== 'hugo') return { body, problems: [] };
  const problems: Problem[] = [];
  const kept: string[] = [];
  // a placeholder keeps the lines of what it stands for, so later warnings name the right line
  const keep = (text: string, original = text): string => `\u0000${kept.push(text) - 1}${'\n'.repeat(original.split('\n').length - 1)}\u0000`;
  const lineOf = (text: string, offset: number): number => ctx.bodyLine + text.slice(0, offset).split('\n').length - 1;
  const removed = (text: string, offset: number, tag: string): string => {
    problems.push(warning(ErrorCode.EPOST, `the site's template tag ${tag.length > 80 ? `${tag.slice(0, 80)}…` : tag} is not something herald can show in an email; it was left out`,
      { file: ctx.file, line: lineOf(text, offset) }, 'Write it as markdown, or keep the post out of the newsletter with newsletter: false.'));
    return '';
  };
  const codeBlock = (whole: string, lang: string, code: string): string => keep(`\n\`\`\`${lang}\n${code.replace(/^\n|\n$/g, '')}\n\`\`\`\n`, whole);

  let text = protectCode(body, keep);
  if (ctx.generator === 'hugo') {
    text = text.replace(/\{\{[<%]\s*highlight\s+([\w+-]+)[^>%]*[>%]\}\}([\s\S]*?)\{\{[<%]\s*\/highlight\s*[>%]\}\}/g, (whole: string, lang: string, code: string) => codeBlock(whole, lang, code));
    text = text.replace(/\{\{([<%])\s*\/?\s*([\w/.-]+)([^]*?)\s*[>%]\}\}/g, (whole: string, _k: string, name: string, args: string, offset: number) => {
      if (/^\{\{[<%]\s*\//.test(whole)) return ''; // the end of a paired shortcode: its inner text stays
      const shown = hugoShortcode(name, parseArgs(args), ctx);
      return shown === undefined ? removed(text, offset, whole) : keep(shown, whole);
    });
  } else {
    text = text.replace(/\{%-?\s*raw\s*-?%\}([\s\S]*?)\{%-?\s*endraw\s*-?%\}/g, (whole: string, raw: string) => keep(raw, whole));
    text = text.replace(/\{%-?\s*highlight\s+([\w+-]+)[^%]*%\}([\s\S]*?)\{%-?\s*endhighlight\s*-?%\}/g, (whole: string, lang: string, code: string) => codeBlock(whole, lang, code));
    text = text.replace(/\{%-?\s*(post_url|link)\s+([^%]+?)\s*-?%\}/g, (whole: string, kind: 'post_url' | 'link', name: string, offset: number) =>
      ctx.urlOf(kind, name.trim()) ?? removed(text, offset, whole));
    text = text.replace(/\{\{-?\s*((?:site|page)\.[\w.]+|'[^']*'|"[^"]*")\s*((?:\|\s*[\w]+\s*)*)-?\}\}/g, (whole: string, name: string, filters: string, offset: number) => {
      const literal = /^['"]/.test(name) ? name.slice(1, -1) : undefined;
      const value = literal ?? ctx.variables[name];
      if (value === undefined) return removed(text, offset, whole);
      return /(relative|absolute)_url/.test(filters) ? urlOnSite(value, ctx.variables['site.url'] ?? '', ctx.variables['site.baseurl'] ?? '') : value;
    });
    text = text.replace(/\{%-?[\s\S]*?-?%\}/g, (whole: string, offset: number) => removed(text, offset, whole));
  }
  // eslint-disable-next-line no-control-regex
  for (let i = 0; i < 3 && text.includes('\u0000'); i++) text = text.replace(/\u0000(\d+)\n*\u0000/g, (_w, n: string) => kept[Number(n)]!);
  return { body: text, problems };
}

/** MDX: imports, exports and JSX components are code for the site, not text; the markdown stays. */
function withoutMdx(body: string, ctx: SyntaxContext): { body: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const kept: string[] = [];
  const keep = (text: string): string => `\u0000${kept.push(text) - 1}${'\n'.repeat(text.split('\n').length - 1)}\u0000`;
  let text = protectCode(body, keep);
  const note = (whole: string, offset: number, what: string): string => {
    const line = ctx.bodyLine + text.slice(0, offset).split('\n').length - 1;
    problems.push(warning(ErrorCode.EPOST, `${what} ${whole.trim().split('\n')[0]!.slice(0, 80)} is MDX for the site, not text; it was left out of the email`, { file: ctx.file, line }));
    return '';
  };
  text = text.replace(/^(?:import|export)\s[^\n]*$/gm, (whole: string, offset: number) => note(whole, offset, 'the line'));
  text = text.replace(/<([A-Z][\w.]*)\b[^>]*?(?:\/>|>[\s\S]*?<\/\1\s*>)/g, (whole: string, _n: string, offset: number) => note(whole, offset, 'the component'));
  for (let i = 0; i < 3 && text.includes('\u0000'); i++) text = text.replace(/\u0000(\d+)\n*\u0000/g, (_w, n: string) => kept[Number(n)]!);
  return { body: text, problems };
}

/** Fenced code blocks and inline code spans, set aside so that nothing inside them changes. */
function protectCode(body: string, keep: (text: string) => string): string {
  const lines = body.split('\n');
  const out: string[] = [];
  let fence: { marker: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (fence) {
      fence.lines.push(line);
      if (line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, '') === '') {
        out.push(keep(fence.lines.join('\n')));
        fence = undefined;
      }
      continue;
    }
    const open = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (open) fence = { marker: open[1]!, lines: [line] };
    else out.push(line);
  }
  if (fence) out.push(keep(fence.lines.join('\n')));
  return out.join('\n').replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, (code) => keep(code));
}

function parseArgs(args: string): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (const m of args.matchAll(/(?:([\w-]+)=)?(?:"([^"]*)"|`([^`]*)`|([^\s"`]+))/g)) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (m[1]) named[m[1]] = value;
    else positional.push(value);
  }
  return { positional, named };
}

const escapeMd = (text: string): string => text.replace(/([[\]\\*_])/g, '\\$1');

function hugoShortcode(name: string, args: { positional: string[]; named: Record<string, string> }, ctx: SyntaxContext): string | undefined {
  const arg = (key: string, index = 0): string | undefined => args.named[key] ?? args.positional[index];
  switch (name) {
    case 'figure': {
      const src = arg('src');
      if (!src) return undefined;
      const alt = args.named['alt'] ?? args.named['caption'] ?? '';
      const caption = args.named['caption'] ?? args.named['title'];
      return `![${escapeMd(alt)}](<${src}>)${caption ? `\n\n*${escapeMd(caption)}*` : ''}`;
    }
    case 'youtube': {
      const id = arg('id');
      return id ? `[![Video on YouTube](https://img.youtube.com/vi/${encodeURIComponent(id)}/hqdefault.jpg)](https://www.youtube.com/watch?v=${encodeURIComponent(id)})` : undefined;
    }
    case 'vimeo': {
      const id = arg('id');
      return id ? `[Video on Vimeo](https://vimeo.com/${encodeURIComponent(id)})` : undefined;
    }
    case 'gist': {
      const [user, id] = args.positional;
      return user && id ? `[Gist ${escapeMd(id)} by ${escapeMd(user)}](https://gist.github.com/${encodeURIComponent(user)}/${encodeURIComponent(id)})` : undefined;
    }
    case 'tweet': case 'x': case 'twitter': {
      const user = args.named['user'];
      const id = args.named['id'] ?? args.positional[0];
      return id ? `[Post on X](https://x.com/${encodeURIComponent(user ?? 'i')}/status/${encodeURIComponent(id)})` : undefined;
    }
    case 'instagram': {
      const id = arg('id');
      return id ? `[Post on Instagram](https://www.instagram.com/p/${encodeURIComponent(id)}/)` : undefined;
    }
    case 'ref': case 'relref': {
      const target = arg('path');
      return target ? ctx.urlOf('ref', target) : undefined;
    }
    default:
      return undefined;
  }
}

function urlOnSite(value: string, siteUrl: string, baseurl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return value;
  const path = value.startsWith('/') ? value : `/${value}`;
  return `${siteUrl.replace(/\/$/, '')}${baseurl.replace(/\/$/, '')}${path}`;
}
