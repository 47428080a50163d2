import type * as Zod from 'zod';

/**
 * Where posts come from and how many new ones one run may send: the settings that meet an
 * existing site. Built with the caller's zod (schema.ts loads it without its locales).
 */
export function siteSettings(z: typeof Zod.z) {
  return {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors; herald does not read it'),
    posts: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default('posts')
      .describe('the folder of posts under the root, or a list of folders (e.g. "_posts", "content/posts")'),
    subscribers: z
      .string()
      .min(1)
      .default('subscribers')
      .describe('the folder of subscriber files under the root; keep it where the site generator does not publish it (e.g. "_herald/subscribers" for Jekyll)'),
    floodGuard: z
      .int()
      .min(0)
      .default(5)
      .describe('more new posts than this in one run are held and named instead of sent (a moved site or renamed files); 0 = no guard'),
  };
}

/** The posts setting as a list of folders. */
export function postFolders(posts: string | readonly string[]): readonly string[] {
  return typeof posts === 'string' ? [posts] : posts;
}
