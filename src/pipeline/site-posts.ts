import type { Settings } from '../config/load';
import path from 'node:path';
import { folderConventions, folderLabel, type Generator } from '../discover/generators';
import { fillPostUrl } from '../discover/post-url';
import { type DiscoveredPosts, type Post, readPost } from '../discover/posts';
import { convertSiteSyntax } from '../discover/site-syntax';
import type { Problem } from '../errors';
import { allowedUrl, underSite } from '../url';

/** A post the run left unread (the record knows it unchanged), read now because another post links to it. */
function readUnchanged(settings: Settings, file: string, generator: Generator): Post | undefined {
  const abs = path.join(settings.root, ...file.split('/'));
  const dir = settings.postsDirs.find((d) => abs.startsWith(d + path.sep));
  if (!dir) return undefined;
  try {
    return readPost(abs, path.relative(dir, abs).split(path.sep).join('/'), { label: folderLabel(settings.root, dir), bundles: folderConventions(generator).bundles });
  } catch {
    return undefined;
  }
}

const JEKYLL_NAME = /^(\d{4})-(\d{2})-(\d{2})-(.+)$/;

/**
 * Each post's body with the site's template syntax made into what the site shows (or removed,
 * with a warning), using what herald knows of the site: its URL, the post's fields, and the URLs
 * of the posts it links to.
 */
export function withSiteSyntax(settings: Settings, found: DiscoveredPosts, generator: Generator | undefined): DiscoveredPosts {
  if (!generator) return found;
  const site = new URL(settings.siteUrl);
  const problems: Problem[] = [...found.problems];
  const urlOfPost = (post: Pick<Post, 'slug' | 'id' | 'date' | 'url'>): string | undefined =>
    allowedUrl(underSite(post.url ?? fillPostUrl(settings.postUrl, post), settings.siteUrl), settings.siteUrl);
  const byName = (name: string): string | undefined => {
    const stem = name.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
    const known = found.posts.find((p) => p.file === name || p.file.endsWith(`/${name}`) || p.id === stem || p.file.replace(/\.[^.]+$/, '').endsWith(`/${stem}`));
    if (known) return urlOfPost(known);
    const unread = found.unchanged?.find((u) => u.file === name || u.file.endsWith(`/${name}`) || u.file.replace(/\.[^.]+$/, '').endsWith(`/${stem}`));
    const read = unread ? readUnchanged(settings, unread.file, generator) : undefined;
    if (read) return urlOfPost(read);
    const dated = JEKYLL_NAME.exec(stem);
    if (dated) return urlOfPost({ slug: dated[4]!, id: stem, date: new Date(Number(dated[1]), Number(dated[2]) - 1, Number(dated[3])) });
    return undefined;
  };
  const posts = found.posts.map((post) => {
    const converted = convertSiteSyntax(post.body, {
      generator,
      file: post.file,
      bodyLine: post.bodyLine,
      variables: {
        'site.url': site.origin,
        'site.baseurl': site.pathname.replace(/\/$/, ''),
        'site.title': settings.name,
        'page.title': post.title,
        'page.url': urlOfPost(post) ?? '',
        'page.slug': post.slug,
        'page.date': post.date?.toISOString().slice(0, 10) ?? '',
        'page.excerpt': post.summary ?? '',
        'page.description': post.summary ?? '',
      },
      urlOf: (kind, name) => {
        const post = byName(name.replace(/^["']|["']$/g, ''));
        if (post || kind !== 'link') return post;
        // a page of the site: Jekyll publishes about.md as about.html
        return allowedUrl(name.replace(/^\//, '').replace(/\.(md|markdown|html)$/, '.html'), settings.siteUrl);
      },
    });
    problems.push(...converted.problems);
    return converted.body === post.body ? post : { ...post, body: converted.body };
  });
  return { ...found, posts, problems };
}
