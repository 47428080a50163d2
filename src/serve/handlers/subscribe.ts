import { clientOf } from '../client';
import { type Exchange, type HandlerContext, readForm, respond } from '../exchange';
import { subscribePages } from '../html';
import { maskAddress } from '../request-log';
import { MAX_ADDRESS_LENGTH, MAX_FORM_BYTES, MAX_NAME_LENGTH, type SubscribeFlow, type SubscribeOutcome } from '../subscribe';
import type { WelcomePort } from '../ports';

/**
 * The subscribe form (serve.subscribeForm): GET shows it; POST asks for a confirmation email.
 * Every outcome that concerns the address itself gets the same "check your inbox" page, so the
 * form cannot be used to find out who is subscribed.
 */
export interface SubscribeContext extends HandlerContext {
  readonly flow: SubscribeFlow;
  /** serve.trustProxy: the client is the address the proxy appended to X-Forwarded-For. */
  readonly trustProxy: boolean;
  readonly welcome?: WelcomePort;
}

export interface SubscribeHandlers {
  /** GET and HEAD. */
  form(ex: Exchange): void;
  /** POST. */
  ask(ex: Exchange): Promise<void>;
}

export function subscribeHandlers(ctx: SubscribeContext): SubscribeHandlers {
  return {
    form: (ex) => {
      ex.outcome = 'form';
      respond(ex, subscribePages.form(ctx.newsletter));
    },
    ask: (ex) => ask(ctx, ex),
  };
}

async function ask(ctx: SubscribeContext, ex: Exchange): Promise<void> {
  const form = await readForm(ex, ctx.newsletter, MAX_FORM_BYTES);
  if (!form) return;
  const email = form.get('email') ?? '';
  const name = form.get('name') ?? '';
  if (form.get('website')) {
    // the hidden field only robots fill in: answer as usual, do nothing
    ex.outcome = 'trap';
    return respond(ex, subscribePages.checkInbox(ctx.newsletter, email.slice(0, MAX_ADDRESS_LENGTH)));
  }
  const client = clientOf(ex.req.socket.remoteAddress, ex.req.headers['x-forwarded-for'], ctx.trustProxy);
  answer(ctx, ex, await ctx.flow.request(email, name, client), { email, name });
}

function answer(ctx: SubscribeContext, ex: Exchange, result: SubscribeOutcome, typed: { readonly email: string; readonly name: string }): void {
  const { newsletter } = ctx;
  switch (result.kind) {
    case 'invalid':
      ex.outcome = `invalid-${result.field}`;
      return respond(ex, subscribePages.form(newsletter, 400, invalidMessage(result.field, typed.email), {
        email: typed.email.slice(0, MAX_ADDRESS_LENGTH),
        name: typed.name.slice(0, MAX_NAME_LENGTH),
      }));
    case 'limited':
      ex.outcome = 'client-rate-limited';
      return respond(ex, subscribePages.tooMany(newsletter), { 'Retry-After': String(result.retryAfterSeconds) });
    case 'failed':
      ex.who = maskAddress(result.email);
      ex.outcome = 'confirmation-failed';
      ctx.log.error(`herald serve: the confirmation email for ${ex.who} was not sent: ${result.reply}`);
      return respond(ex, subscribePages.sendFailed(newsletter), { 'Retry-After': '300' });
    case 'quiet':
      ex.who = maskAddress(result.email);
      ex.outcome = `confirmation-not-sent (${result.why})`;
      return respond(ex, subscribePages.checkInbox(newsletter, result.email));
    case 'sent':
      ex.who = maskAddress(result.email);
      ex.outcome = 'confirmation-sent';
      return respond(ex, subscribePages.checkInbox(newsletter, result.email));
  }
}

function invalidMessage(field: 'email' | 'name', email: string): string {
  if (field === 'name') return `Please keep the name to ${MAX_NAME_LENGTH} characters.`;
  return email.trim().length > MAX_ADDRESS_LENGTH
    ? `An email address has at most ${MAX_ADDRESS_LENGTH} characters.`
    : 'Please enter one plain email address, like name@example.com.';
}
