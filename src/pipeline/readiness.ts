import type { App } from '../app';
import { ErrorCode, HeraldError } from '../errors';
import type { Sender } from '../render/envelope';
import type { RecordView } from '../plan/plan';

/**
 * What a real send needs before it may touch the record: an SMTP server, a sender, and the secret
 * when unsubscribe links are signed. Checked first, so that the first run's baseline is taken by a
 * run that could really send, and `herald schedule` does not start ticks that would all fail.
 */
export function readyToSend(app: Pick<App, 'settings' | 'sender'>): Sender {
  const sender = app.sender({ requireSecret: true });
  if (!app.settings.env.smtpUrl && !app.settings.relays?.length) {
    throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_SMTP_URL is not set, so nothing could be sent; nothing was read or recorded', {
      hint: 'Set it to your SMTP server, e.g. HERALD_SMTP_URL=smtps://user:password@smtp.example.com:465, or preview with herald send --dry-run.',
    });
  }
  return sender;
}

/** --include-existing means "on the first run"; after it, naming posts is the way. */
export function refuseLateIncludeExisting(includeExisting: boolean, view: Pick<RecordView, 'initialized'>): void {
  if (!includeExisting || !view.initialized) return;
  throw new HeraldError(ErrorCode.EUSAGE, '--include-existing only applies to the first run in a folder, and this folder already has its record', {
    hint: 'To mail posts that were recorded as already published, name them: herald send ID [ID...] (herald status lists them).',
  });
}
