import type { Recipient } from '../render/rendered-message';
import type { Sender } from '../render/envelope';
import { type PreviewFiles, SAMPLE_RECIPIENT, writePreview } from '../preview/write';
import type { ReadyPost } from './render-posts';

/**
 * The dry run's transport: where a send hands each recipient's message to SMTP, a dry run hands
 * the first due recipient's message (or a sample reader's, when nobody is due) to the preview
 * folder: message.eml exactly as it would be sent, and email.html and email.txt beside it for a
 * browser and an editor. Nothing else is touched.
 */
export interface PreviewTransport {
  send(ready: ReadyPost, due: readonly Recipient[]): Promise<PreviewFiles>;
}

export function previewTransport(previewDir: string, sender: Sender): PreviewTransport {
  return {
    send: ({ rendered }, due) => writePreview(previewDir, rendered, sender, due[0] ?? SAMPLE_RECIPIENT),
  };
}

