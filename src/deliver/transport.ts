import type { OutgoingMessage } from '../render/message';
import type { Outcome } from './outcome';

/** The port the delivery loop sends through: SMTP in production, anything that answers in tests. */
export interface Transport {
  /** How many messages may be in flight at once. */
  readonly capacity: number;
  send(message: OutgoingMessage): Promise<Outcome>;
  close(): Promise<void>;
}
