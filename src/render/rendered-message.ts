import type { Subscriber } from '../subscribers/read';

/**
 * A subscriber's message as render builds it: the exact bytes, and an envelope with exactly one
 * recipient. It has the shape of the message the transport port sends (deliver/transport.ts), so
 * the composition hands one to the other; render itself knows nothing of delivery.
 */
export interface RenderedMessage {
  readonly messageId: string;
  readonly envelope: { readonly from: string; readonly to: string };
  /** The message's bytes in order: one Buffer, or pieces shared by every recipient of a post. */
  readonly raw: Buffer | readonly Buffer[];
  readonly smtputf8: boolean;
}

/** The whole message as one Buffer (for signing, saving or parsing). */
export function messageBytes(message: RenderedMessage): Buffer {
  return Buffer.isBuffer(message.raw) ? message.raw : Buffer.concat(message.raw);
}

/** Who a message is for, as render needs it. */
export type Recipient = Pick<Subscriber, 'email' | 'key' | 'name' | 'smtputf8'>;
