import { displayAddress } from '../../subscribers/address';
import { addSuppressions, isSuppressed, stamp } from '../../subscribers/suppression';
import { TEST_COPY_TOKEN } from '../../unsubscribe/token';
import { isOneClick } from '../body';
import { type Exchange, type HandlerContext, readForm, respond } from '../exchange';
import { unsubscribePages } from '../html';
import { type SignedLink, recordFailed, verifiedLink } from './signed-link';

/**
 * The unsubscribe link:
 *
 *   GET  /unsubscribe?token=T   a page with a button; never unsubscribes (scanners open links)
 *   POST /unsubscribe?token=T   body List-Unsubscribe=One-Click (RFC 8058, urlencoded or multipart):
 *                               on the suppression list, durably, before the 200 goes out
 *
 * The token of a test copy (TEST_COPY_TOKEN) gets a 200 page that says nobody was unsubscribed,
 * for GET and POST alike: a tester's mail client that uses one-click sees it work, and
 * `herald check --deliverability` probes the endpoint with it.
 */
export interface UnsubscribeHandlers {
  /** GET and HEAD. */
  page(ex: Exchange): void;
  /** POST. */
  oneClick(ex: Exchange): Promise<void>;
}

export function unsubscribeHandlers(ctx: HandlerContext): UnsubscribeHandlers {
  return {
    page: (ex) => showPage(ctx, ex),
    oneClick: (ex) => unsubscribe(ctx, ex),
  };
}

function showPage(ctx: HandlerContext, ex: Exchange): void {
  const link = linkOf(ctx, ex);
  if (!link) return;
  let already = false;
  try {
    already = isSuppressed(ctx.subscribersDir, link.key);
  } catch {
    // an unreadable list only changes the wording; the button still works once it is fixed
  }
  ex.outcome = already ? 'page-already' : 'page';
  const shown = displayAddress(link.key);
  respond(ex, already ? unsubscribePages.already(ctx.newsletter, shown) : unsubscribePages.confirm(ctx.newsletter, shown, link.token));
}

async function unsubscribe(ctx: HandlerContext, ex: Exchange): Promise<void> {
  const link = linkOf(ctx, ex);
  if (!link) return;
  const form = await readForm(ex, ctx.newsletter);
  if (!form) return;
  if (!isOneClick(form)) {
    ex.outcome = 'not-one-click';
    return respond(ex, unsubscribePages.notOneClick(ctx.newsletter));
  }
  const via = form.get('via') === 'page' ? 'unsubscribe page' : 'one-click (RFC 8058)';
  try {
    // durable (fsynced, renamed into place) before the answer: the next send honours it
    const added = addSuppressions(ctx.subscribersDir, [{ email: link.key, reason: 'unsubscribed', at: stamp(ctx.now()), note: via }]);
    ex.outcome = added ? 'unsubscribed' : 'unsubscribed-already';
  } catch (err) {
    return recordFailed(ctx, ex, err, 'an unsubscribe');
  }
  respond(ex, unsubscribePages.done(ctx.newsletter, displayAddress(link.key)));
}

/** The token and the address it was signed for, or undefined once the error page was sent. */
function linkOf(ctx: HandlerContext, ex: Exchange): SignedLink | undefined {
  const token = ex.url.searchParams.get('token') ?? '';
  if (token === TEST_COPY_TOKEN) {
    ex.outcome = 'test-copy';
    respond(ex, unsubscribePages.testCopy(ctx.newsletter));
    return undefined;
  }
  if (!token) {
    ex.outcome = 'no-token';
    respond(ex, unsubscribePages.missingToken(ctx.newsletter));
    return undefined;
  }
  return verifiedLink(ctx, ex, token);
}
