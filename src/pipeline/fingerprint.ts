import crypto from 'node:crypto';
import type { Settings } from '../config/load';
import { fillPostUrl } from '../discover/post-url';
import type { Post } from '../discover/posts';
import type { PostFingerprint } from '../plan/flood';
import { allowedUrl, underSite } from '../url';

/*
 * What the record keeps of a post to recognise it under another name: a hash of its text and the
 * address it has on the site. Renaming a file that carries no slug gives the post a new identity;
 * its text and, often, its URL stay the same.
 */

/**
 * Every run of whitespace (as \s means it), to become one space. Written as "two or more, or one
 * that is not a space" so that the single spaces between words, most of a text, are not replaced
 * one by one: four times faster than /\s+/ on prose.
 */
const WHITESPACE = /\s{2,}|[\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/g;

/**
 * The hash of a post's text with whitespace and line endings made uniform, so that a generator
 * that rewraps lines or writes CRLF does not hide the match. Empty for a post with no text: two
 * empty posts are not the same post.
 */
export function contentHash(post: Pick<Post, 'body' | 'html'>): string {
  const text = (post.html ?? post.body).replace(/^\uFEFF/, '').normalize('NFC').replace(WHITESPACE, ' ').trim();
  return text ? crypto.createHash('sha256').update(text).digest('hex') : '';
}

/** The post's address on the site, as its email links to it; null when it has none herald may link to. */
export function siteUrlOf(post: Pick<Post, 'slug' | 'id' | 'date' | 'url'>, settings: Pick<Settings, 'postUrl' | 'siteUrl'>): string | null {
  const url = allowedUrl(underSite(post.url ?? fillPostUrl(settings.postUrl, post), settings.siteUrl), settings.siteUrl);
  return url && !url.startsWith('#') ? url : null;
}

export function fingerprint(post: Post, settings: Pick<Settings, 'postUrl' | 'siteUrl'>): Required<PostFingerprint> {
  return { contentHash: contentHash(post), url: siteUrlOf(post, settings) };
}

/** A post as the record stores it, with its fingerprint. */
export function withFingerprint(post: Post, settings: Pick<Settings, 'postUrl' | 'siteUrl'>): { id: string; file: string; title: string } & Required<PostFingerprint> {
  return { id: post.id, file: post.file, title: post.title, ...fingerprint(post, settings) };
}

/** The fingerprints of the posts read this run that the record does not know, by identity, for the flood guard. */
export function fingerprints(posts: readonly Post[], known: { has(id: string): boolean }, settings: Pick<Settings, 'postUrl' | 'siteUrl'>): Map<string, PostFingerprint> {
  return new Map(posts.filter((p) => !known.has(p.id)).map((p) => [p.id, fingerprint(p, settings)]));
}
