import { checkAddress } from '../../subscribers/address';
import { HeraldError } from '../../errors';
import { MAX_CONFIRM_TOKEN, verifyConfirmToken } from '../confirm-token';
import { type Exchange, errorText, readForm, respond } from '../exchange';
import { subscribePages, unsubscribePages } from '../html';
import { maskAddress } from '../request-log';
import type { SubscribeContext } from './subscribe';

/**
 * The link in the confirmation email: GET shows a button and adds nobody (scanners open links);
 * POST adds the address, once, unless it is suppressed for a reason other than unsubscribing or
 * marked in a subscriber file.
 */
export interface ConfirmHandlers {
  /** GET and HEAD. */
  page(ex: Exchange): void;
  /** POST. */
  confirm(ex: Exchange): Promise<void>;
}

export function confirmHandlers(ctx: SubscribeContext): ConfirmHandlers {
  return {
    page: (ex) => {
      const link = linkOf(ctx, ex);
      if (!link) return;
      ex.outcome = 'confirm-page';
      respond(ex, subscribePages.confirm(ctx.newsletter, link.email, link.token));
    },
    confirm: (ex) => confirm(ctx, ex),
  };
}

async function confirm(ctx: SubscribeContext, ex: Exchange): Promise<void> {
  const link = linkOf(ctx, ex);
  if (!link) return;
  const form = await readForm(ex, ctx.newsletter);
  if (!form) return;
  let result;
  try {
    result = ctx.flow.confirm(link.email, link.name);
  } catch (err) {
    ex.outcome = `error ${err instanceof HeraldError ? err.code : 'EIO'}`;
    ctx.log.error(`herald serve: could not add ${ex.who}: ${errorText(err)}`);
    return respond(ex, { ...unsubscribePages.failed(ctx.newsletter), status: 500 }, { 'Retry-After': '60' });
  }
  if (result.kind === 'suppressed' || result.kind === 'excluded') {
    ex.outcome = `refused (${result.kind === 'suppressed' ? result.suppression.reason : `marked in ${result.file}`})`;
    return respond(ex, subscribePages.refused(ctx.newsletter));
  }
  ex.outcome = result.kind === 'added' ? `subscribed${result.lifted ? ' (was unsubscribed)' : ''}` : 'subscribed-already';
  if (result.kind === 'added') ctx.welcome?.welcome(link.email, link.name);
  respond(ex, subscribePages.confirmed(ctx.newsletter, link.email));
}

interface ConfirmLink {
  readonly token: string;
  readonly email: string;
  /** As typed into the form, carried inside the signed token. */
  readonly name: string;
}

/** The request the token carries, or undefined once the error page (403, or 410 when expired) was sent. */
function linkOf(ctx: SubscribeContext, ex: Exchange): ConfirmLink | undefined {
  const token = ex.url.searchParams.get('token') ?? '';
  const check = token.length <= MAX_CONFIRM_TOKEN ? verifyConfirmToken(token, ctx.secrets, ctx.now()) : ({ ok: false, reason: 'invalid' } as const);
  const address = check.ok ? checkAddress(check.request.email) : undefined;
  if (!check.ok || !address?.ok) {
    ex.outcome = check.ok ? 'bad-token' : `${check.reason}-token`;
    respond(ex, !check.ok && check.reason === 'expired' ? subscribePages.expired(ctx.newsletter) : subscribePages.invalidToken(ctx.newsletter));
    return undefined;
  }
  ex.who = maskAddress(address.address);
  return { token, email: address.address, name: check.request.name };
}
