import { anchors, tags } from './html-parts';

/**
 * The lint's rules about links, images and the subject: what spam filters score and phishing
 * looks like. Each returns findings as plain words and a hint (lint.ts makes them warnings).
 */
export interface Finding {
  readonly message: string;
  readonly hint: string;
}

/** Shorteners hide where a link goes; filters score them, and many blocklists list them. */
const SHORTENERS = new Set([
  'bit.ly', 'bitly.com', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly', 'shorturl.at',
  'tiny.cc', 'rb.gy', 'bl.ink', 's.id', 'v.gd', 't.ly', 'lnkd.in', 'surl.li', 'shorte.st', 'adf.ly', 'tr.im', 'qr.ae', 'db.tt',
]);

/**
 * Past this many links an email reads as a link farm to filters. The default template adds
 * about four (the post, the site, unsubscribe), so a post has some 25 of its own.
 */
export const MAX_LINKS = 30;

/** Under this many words of its own beside images, a post is "image-only" to a filter. */
const IMAGE_ONLY_WORDS = 25;

export function linkProblems(html: string): Finding[] {
  const found: Finding[] = [];
  const links = anchors(html).filter((a) => /^https?:/i.test(a.href));
  const hostOf = (href: string): string | undefined => {
    try {
      return new URL(href).hostname.toLowerCase();
    } catch {
      return undefined;
    }
  };

  const shortened = unique(links.map((a) => a.href).filter((href) => SHORTENERS.has((hostOf(href) ?? '').replace(/^www\./, ''))));
  if (shortened.length) {
    found.push({ message: `${count(shortened.length, 'link goes', 'links go')} through a URL shortener (${list(shortened)}); spam filters distrust them because they hide where a link leads`,
      hint: 'Link to the full address instead.' });
  }

  const sources = [...links.map((a) => a.href), ...tags(html, 'img').map((i) => (i.attrs.get('src') ?? '').trim())];
  const literal = unique(sources.filter((href) => isIpHost(hostOf(href))));
  if (literal.length) {
    found.push({ message: `${count(literal.length, 'link or image points', 'links or images point')} at an IP address instead of a domain name (${list(literal)}); filters treat that as a sign of phishing`,
      hint: 'Use the site\'s domain name in the address.' });
  }

  const deceptive = links.filter((a) => {
    const shown = shownDomain(a.text);
    const actual = hostOf(a.href);
    return shown !== undefined && actual !== undefined && !sameSite(shown, actual);
  });
  if (deceptive.length) {
    found.push({ message: `${count(deceptive.length, 'link shows one address but goes', 'links show one address but go')} to another (${list(deceptive.map((a) => `"${a.text}" → ${hostOf(a.href)}`))}); this is what phishing looks like to filters and to readers`,
      hint: 'Make the link text the address it goes to, or words rather than an address.' });
  }

  if (links.length > MAX_LINKS) {
    found.push({ message: `the email has ${links.length} links; with more than ${MAX_LINKS}, filters start to treat it as a link list rather than a letter`,
      hint: 'Keep the links that matter, or move a long list to the website and link to it once.' });
  }
  return found;
}

/** An image-only post: images, and hardly any words of its own (its markdown source, without image and link syntax). */
export function imageOnlyProblem(markdown: string): Finding | undefined {
  const images = (markdown.match(/!\[[^\]]*\]\([^)]*\)/g) ?? []).length + (markdown.match(/<img\b/gi) ?? []).length;
  if (!images) return undefined;
  const words = markdown
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/\S+/g, ' ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean).length;
  if (words >= IMAGE_ONLY_WORDS) return undefined;
  return { message: `the post is mostly images (${count(images, 'image', 'images')}, ${count(words, 'word', 'words')} of text); filters score image-only mail as spam, and with images off the reader sees almost nothing`,
    hint: `Say in words what the images show: at least ${IMAGE_ONLY_WORDS} words of text.` };
}

export function subjectProblems(subject: string): Finding[] {
  const found: Finding[] = [];
  const letters = [...subject].filter((c) => c.toLowerCase() !== c.toUpperCase());
  const upper = letters.filter((c) => c === c.toUpperCase()).length;
  if (letters.length >= 8 && upper / letters.length > 0.7) {
    found.push({ message: `the subject "${subject}" is in capitals; filters score shouting subjects as spam, and readers skip them`,
      hint: 'Write the subject in sentence case; keep capitals for names and acronyms.' });
  }
  const emoji = subject.match(/\p{Extended_Pictographic}/gu) ?? [];
  if (emoji.length > 2) {
    found.push({ message: `the subject "${subject}" has ${emoji.length} emoji; more than two is a pattern filters score as spam`,
      hint: 'Keep one emoji at most, or none.' });
  }
  return found;
}

/** The domain a link's text shows, when the text is an address (example.com, www.example.com/x, https://…). */
function shownDomain(text: string): string | undefined {
  const match = /^(?:https?:\/\/)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?::\d+)?(?:[/?#]\S*)?$/i.exec(text.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

/** The same site: equal after "www.", or one a subdomain of the other (news.example.com and example.com). */
function sameSite(a: string, b: string): boolean {
  const x = a.replace(/^www\./, '');
  const y = b.replace(/^www\./, '');
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

function isIpHost(host: string | undefined): boolean {
  if (!host) return false;
  return /^\[[0-9a-f:.]+\]$/i.test(host) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}

const unique = (items: readonly string[]): string[] => [...new Set(items)];
const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
function list(items: readonly string[]): string {
  const shown = items.slice(0, 3).map((s) => (s.length > 60 ? `${s.slice(0, 57)}…` : s));
  return shown.join(', ') + (items.length > 3 ? `, and ${items.length - 3} more` : '');
}
