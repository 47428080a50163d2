import type { Subscriber } from '../discover/subscribers';

/** What the transport port sends: the exact bytes, and an envelope with exactly one recipient. */
export interface OutgoingMessage {
  readonly messageId: string;
  readonly envelope: { readonly from: string; readonly to: string };
  /** The message's bytes in order: one Buffer, or pieces shared by every recipient of a post. */
  readonly raw: Buffer | readonly Buffer[];
  readonly smtputf8: boolean;
}

/** The whole message as one Buffer (for signing, saving or parsing). */
export function messageBytes(message: OutgoingMessage): Buffer {
  return Buffer.isBuffer(message.raw) ? message.raw : Buffer.concat(message.raw);
}

export type Recipient = Pick<Subscriber, 'email' | 'key' | 'name' | 'smtputf8'>;
