/**
 * What `herald serve` needs from the world outside HTTP, declared here where it is used; the
 * command (src/commands/serve.ts) hands in adapters. serve never builds an SMTP pool or writes to
 * stdout itself, so it runs the same under the CLI, in tests and in any other host.
 */

/** Where serve writes: one line per request, and the problems an operator has to see. */
export interface ServeLog {
  /** One line per answered request (the CLI prints these on stdout). */
  info(line: string): void;
  /** Something went wrong that the visitor cannot fix (the CLI prints these on stderr). */
  error(line: string): void;
}

/** An email serve sends (the confirmation): its exact bytes, and an envelope with one recipient. */
export interface MailMessage {
  readonly messageId: string;
  readonly envelope: { readonly from: string; readonly to: string };
  readonly raw: Buffer;
  readonly smtputf8: boolean;
}

/** How far a message got. `accepted` means the server took it; any other kind means it did not go out. */
export interface MailResult {
  readonly kind: string;
  /** The server's reply, or why there was none; shown to the operator. */
  readonly reply: string;
}

/** How serve's emails leave: an SMTP pool in production, kept for the server's lifetime. */
export interface MailPort {
  send(message: MailMessage): Promise<MailResult>;
}

/** Welcomes a new subscriber (the `welcome` post); returns at once, the adapter sends it later. */
export interface WelcomePort {
  welcome(email: string, name: string): void;
}
