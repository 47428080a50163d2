import type { Post } from '../discover/posts';
import type { Problem } from '../errors';
import { type RecipientValues, type Segments, fill } from './template';

/** A post rendered once, ready to be filled in for each subscriber without recompiling. */
export interface RenderedPost {
  readonly post: Post;
  readonly templateFile: string;
  readonly subject: Segments;
  readonly html: Segments;
  readonly text: Segments;
  readonly url: string;
  readonly warnings: readonly Problem[];
}

export interface FilledMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export function fillMessage(rendered: RenderedPost, recipient: RecipientValues): FilledMessage {
  const plain = (s: string): string => s;
  return {
    subject: fill(rendered.subject, recipient, plain),
    html: fill(rendered.html, recipient),
    text: fill(rendered.text, recipient, plain),
  };
}
