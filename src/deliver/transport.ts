import type { Outcome } from './outcome';

/**
 * What the transport port sends: the exact bytes, and an envelope with exactly one recipient.
 * Declared here, where it is sent; the message render builds has the same shape.
 */
export interface OutgoingMessage {
  readonly messageId: string;
  readonly envelope: { readonly from: string; readonly to: string };
  /** The message's bytes in order: one Buffer, or pieces shared by every recipient of a post. */
  readonly raw: Buffer | readonly Buffer[];
  readonly smtputf8: boolean;
}

/** The whole message as one Buffer (for signing it, or for a transport that wants it whole). */
export function messageBytes(message: OutgoingMessage): Buffer {
  return Buffer.isBuffer(message.raw) ? message.raw : Buffer.concat(message.raw);
}

/** The port the delivery loop sends through: SMTP in production, anything that answers in tests. */
export interface Transport {
  /** How many messages may be in flight at once. */
  readonly capacity: number;
  send(message: OutgoingMessage): Promise<Outcome>;
  close(): Promise<void>;
}
