import { checkAddress } from '../../subscribers/address';
import { HeraldError } from '../../errors';
import { verifyUnsubscribeToken } from '../../unsubscribe/token';
import { type Exchange, type HandlerContext, errorText, respond } from '../exchange';
import { unsubscribePages } from '../html';
import { maskAddress } from '../request-log';

/**
 * What the unsubscribe and preferences pages share: both are reached by a link signed with the
 * same per-subscriber token, and both write to subscribers/ before they answer.
 */

/** Longer tokens are refused before any HMAC is computed over them. */
export const MAX_TOKEN_LENGTH = 512;

export interface SignedLink {
  readonly token: string;
  /** The address the token was signed for, checked and normalised. */
  readonly key: string;
}

/** The address `token` was signed for, or undefined once the invalid-link page was sent. */
export function verifiedLink(ctx: HandlerContext, ex: Exchange, token: string): SignedLink | undefined {
  const key = token && token.length <= MAX_TOKEN_LENGTH ? verifyUnsubscribeToken(token, ctx.secrets) : undefined;
  const address = key === undefined ? undefined : checkAddress(key);
  if (!address?.ok) {
    ex.outcome = 'bad-token';
    respond(ex, unsubscribePages.invalidToken(ctx.newsletter));
    return undefined;
  }
  ex.who = maskAddress(address.key);
  return { token, key: address.key };
}

/** A change to subscribers/ that could not be written: logged, and a page that asks the reader to try again later. */
export function recordFailed(ctx: HandlerContext, ex: Exchange, err: unknown, what: string): void {
  ex.outcome = `error ${err instanceof HeraldError ? err.code : 'EIO'}`;
  ctx.log.error(`herald serve: could not record ${what} for ${ex.who}: ${errorText(err)}`);
  respond(ex, unsubscribePages.failed(ctx.newsletter), { 'Retry-After': '60' });
}
