import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, HeraldError } from '../errors';
import { makeDir } from '../make-dir';
import type { Sender } from '../render/envelope';
import { compileMessage, personalise } from '../render/compose';
import { messageBytes, type Recipient } from '../render/rendered-message';
import { fillMessage, type RenderedPost } from '../render/post';
import { unsubscribeLinks } from '../render/envelope';

/** A stand-in reader for previews when the list is empty. */
export const SAMPLE_RECIPIENT: Recipient = { email: 'reader@example.com', key: 'reader@example.com', name: 'Sample Reader', smtputf8: false };

export interface PreviewFiles {
  readonly dir: string;
  readonly html: string;
  readonly eml: string;
}

/**
 * The preview transport of a dry run: the exact message the first recipient would get, as an
 * .eml, and its HTML on its own for a browser. Nothing else is touched.
 */
export async function writePreview(previewDir: string, rendered: RenderedPost, sender: Sender, recipient: Recipient): Promise<PreviewFiles> {
  const dir = path.join(previewDir, safeName(rendered.post.id));
  if (path.dirname(dir) !== path.resolve(previewDir)) throw new Error(`preview folder for "${rendered.post.id}" would leave ${previewDir}`);
  try {
    makeDir(dir);
  } catch (err) {
    throw new HeraldError(ErrorCode.ECONFIG, `cannot create the preview folder ${dir}: ${(err as Error).message}`, {
      hint: 'Set previewDir (or stateDir, whose preview/ folder is the default) in herald.config.json to a folder herald can create and write.',
      cause: err,
    });
  }
  const message = personalise(compileMessage(rendered, sender, new Date()), recipient);
  const links = unsubscribeLinks(sender, recipient);
  const filled = fillMessage(rendered, { name: recipient.name, email: recipient.email, unsubscribe_url: links.visible, preferences_url: links.preferences });
  const html = path.join(dir, 'email.html');
  const eml = path.join(dir, 'message.eml');
  fs.writeFileSync(html, filled.html);
  fs.writeFileSync(path.join(dir, 'email.txt'), filled.text);
  fs.writeFileSync(eml, messageBytes(message));
  return { dir, html, eml };
}

/**
 * A post's identity as one folder name inside the preview folder: never empty, never `.` or `..`,
 * never hidden, no separators, short enough for any file system.
 */
export function safeName(id: string): string {
  const name = id.replace(/[^\p{L}\p{N}._-]+/gu, '--').replace(/^[-.]+|-+$/g, '').slice(0, 120);
  return name || 'post';
}
