import type { Post } from '../discover/posts';
import { fillPostUrl } from '../discover/post-url';
import { ErrorCode, HeraldError } from '../errors';
import { allowedUrl, underSite } from '../url';
import type { RenderSettings } from './settings';
import type { PostValues } from './template';

const WORDS_PER_MINUTE = 230;

/** The settings a post's template values come from. */
export type ValueSettings = Pick<RenderSettings, 'name' | 'siteUrl' | 'postUrl' | 'postalAddress' | 'logoUrl' | 'preferencesPage'>;

export function postValues(post: Post, settings: ValueSettings, contentHtml: string, now: Date): PostValues {
  const words = post.body.split(/\s+/).filter(Boolean).length;
  return {
    title: post.title,
    summary: post.summary ?? '',
    date: post.date ? longDate(post.date) : '',
    date_iso: post.date ? isoDay(post.date) : '',
    reading_time: post.digest ? '' : `${Math.max(1, Math.round(words / WORDS_PER_MINUTE))} min read`,
    url: postUrl(post, settings),
    newsletter_name: settings.name,
    site_url: allowedUrl(settings.siteUrl, settings.siteUrl) ?? '',
    postal_address: settings.postalAddress ?? '',
    logo_url: (settings.logoUrl && allowedUrl(settings.logoUrl, settings.siteUrl, { image: true })) || '',
    year: String(now.getFullYear()),
    content: contentHtml,
    preferences_page: settings.preferencesPage ? 'yes' : '',
  };
}

/** The post's link on the site, through the one URL allowlist (discovery has already refused a bad `url:`). */
export function postUrl(post: Post, settings: Pick<RenderSettings, 'siteUrl' | 'postUrl'>): string {
  const written = post.url ?? fillPostUrl(settings.postUrl, post);
  const url = allowedUrl(underSite(written, settings.siteUrl), settings.siteUrl);
  if (url === undefined || url.startsWith('#')) {
    throw new HeraldError(ErrorCode.EPOST, `its link "${written}" is not an http(s) or mailto URL; it is not sent`, {
      location: { file: post.file },
      hint: post.url ? 'Give url: an http(s) address or a path on the site.' : 'Fix "postUrl" in the config: a path relative to siteUrl, e.g. "{{slug}}/".',
    });
  }
  return url;
}

/** One-line values for a post that has every optional field (a summary, a date, a postal address). */
export function neutralValues(settings: Pick<RenderSettings, 'name' | 'siteUrl' | 'logoUrl'>): PostValues {
  return {
    title: 'Title', summary: 'Summary', date: '1 January 2026', date_iso: '2026-01-01', reading_time: '1 min read',
    url: settings.siteUrl, newsletter_name: settings.name, site_url: settings.siteUrl, postal_address: 'Address', logo_url: settings.logoUrl ?? '', year: '2026', content: '<p>Text</p>',
    preferences_page: 'yes',
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * "4 May 2026", as toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })
 * writes it, without loading the ICU locale data that call costs (~10 ms) on every render.
 */
export function longDate(date: Date): string {
  return `${date.getDate()} ${MONTHS[date.getMonth()]!} ${date.getFullYear()}`;
}

function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
