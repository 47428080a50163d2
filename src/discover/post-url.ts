import type { Post } from './posts';

/** postUrl with the post's placeholders filled: {{slug}}, {{id}}, and {{year}}, {{month}}, {{day}} of its date. */
export function fillPostUrl(pattern: string, post: Pick<Post, 'slug' | 'id' | 'date'>): string {
  const day = post.date ? localDay(post.date).split('-') : [];
  const values: Record<string, string> = { slug: encodeURIComponent(post.slug), id: post.id, year: day[0] ?? '', month: day[1] ?? '', day: day[2] ?? '' };
  return pattern.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

function localDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
