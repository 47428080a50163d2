import type { Problem } from '../errors';
import { detectGenerator, folderConventions, folderLabel, type Generator } from './generators';
import { type DiscoveredPosts, type DiscoverOptions, discoverPosts, type Post, rejectDuplicateIds } from './posts';

export interface SiteFolders {
  readonly root: string;
  /** The folders of posts, absolute (the "posts" setting). */
  readonly postsDirs: readonly string[];
}

/**
 * Every folder of posts, read with the conventions of the site's generator (recognised by its
 * configuration file at the root). Identities must be unique across the folders too.
 */
export function discoverSite(site: SiteFolders, opts: Omit<DiscoverOptions, 'label' | 'conventions'> = {}, generator: Generator | undefined = detectGenerator(site.root)): DiscoveredPosts {
  if (site.postsDirs.length === 1 && folderLabel(site.root, site.postsDirs[0]!) === 'posts' && !generator) return discoverPosts(site.postsDirs[0]!, opts);
  const posts: Post[] = [];
  const problems: Problem[] = [];
  const unchanged: { file: string; id: string }[] = [];
  const conventions = folderConventions(generator);
  for (const dir of site.postsDirs) {
    const found = discoverPosts(dir, { ...opts, label: folderLabel(site.root, dir), conventions });
    posts.push(...found.posts);
    problems.push(...found.problems);
    unchanged.push(...(found.unchanged ?? []));
  }
  const result = site.postsDirs.length > 1 ? rejectDuplicateIds(posts, problems, unchanged) : { posts, problems };
  return opts.unchanged ? { ...result, unchanged } : result;
}
