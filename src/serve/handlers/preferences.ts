import { displayAddress } from '../../subscribers/address';
import { topicsOf, type TopicRules } from '../../plan/audience';
import { parseFrequency } from '../../plan/digest-period';
import { writePreference } from '../../subscribers/preferences';
import { canonicalTimeZone, discoverSubscribers } from '../../subscribers/read';
import { addSuppressions, stamp } from '../../subscribers/suppression';
import { type Exchange, type HandlerContext, readForm, respond } from '../exchange';
import { formNonce, verifyFormNonce } from '../form-nonce';
import { leftPage, notSubscribedPage, preferencesPage, staleFormPage } from '../preferences-page';
import { type SignedLink, recordFailed, verifiedLink } from './signed-link';

/**
 * The preferences page, reached by the "Manage your subscription" link, signed with the same
 * per-subscriber token as the unsubscribe link:
 *
 *   GET  /preferences?token=T   the reader's choices in a form; changes nothing
 *   POST /preferences?token=T   with the form's nonce: saves topics and time zone to
 *                               subscribers/preferences.csv, or unsubscribes (action=leave)
 */
export interface PreferencesContext extends HandlerContext {
  readonly rules?: TopicRules;
  readonly noTopics: 'everything' | 'nothing';
  /** schedule.timezone: the zone of a reader who chose none. */
  readonly defaultZone: string;
}

export interface PreferencesHandlers {
  page(ex: Exchange): void;
  save(ex: Exchange): Promise<void>;
}

export function preferencesHandlers(ctx: PreferencesContext): PreferencesHandlers {
  return { page: (ex) => show(ctx, ex), save: (ex) => save(ctx, ex) };
}

const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

interface Current {
  readonly topics: readonly string[];
  readonly timeZone: string;
  readonly frequency: string;
}

function show(ctx: PreferencesContext, ex: Exchange, notice?: string, status = 200): void {
  const link = linkOf(ctx, ex);
  if (!link) return;
  const current = currentChoices(ctx, link.key);
  if (!current) {
    ex.outcome = 'prefs-not-subscribed';
    return respond(ex, notSubscribedPage(ctx.newsletter, displayAddress(link.key)));
  }
  if (ex.outcome === '-') ex.outcome = 'prefs-page';
  respond(ex, preferencesPage({
    newsletter: ctx.newsletter, email: displayAddress(link.key), token: link.token, nonce: formNonce(link.key, ctx.secrets[0]!, ctx.now()),
    topics: ctx.rules ? [...ctx.rules.labels].map(([key, label]) => ({ key, label, chosen: current.topics.includes(key) })) : [],
    noTopics: ctx.noTopics, timeZone: current.timeZone, frequency: current.frequency, defaultZone: ctx.defaultZone, zones: ZONES, notice,
  }, status));
}

async function save(ctx: PreferencesContext, ex: Exchange): Promise<void> {
  const link = linkOf(ctx, ex);
  if (!link) return;
  const form = await readForm(ex, ctx.newsletter);
  if (!form) return;
  if (!verifyFormNonce(form.get('nonce') ?? '', link.key, ctx.secrets, ctx.now()) || crossSite(ex)) {
    ex.outcome = 'prefs-stale-form';
    return respond(ex, staleFormPage(ctx.newsletter));
  }
  try {
    if (form.get('action') === 'leave') {
      addSuppressions(ctx.subscribersDir, [{ email: link.key, reason: 'unsubscribed', at: stamp(ctx.now()), note: 'preferences page' }]);
      ex.outcome = 'unsubscribed';
      return respond(ex, leftPage(ctx.newsletter, displayAddress(link.key)));
    }
    const zone = form.get('timezone') ?? '';
    const timeZone = zone ? canonicalTimeZone(zone) : '';
    if (timeZone === undefined) {
      ex.outcome = 'prefs-bad-zone';
      return show(ctx, ex, `"${zone}" is not a time zone; nothing was changed.`, 400);
    }
    const frequency = parseFrequency(form.get('frequency') ?? 'instant');
    if (frequency === undefined) {
      ex.outcome = 'prefs-bad-frequency';
      return show(ctx, ex, 'That is not a frequency; nothing was changed.', 400);
    }
    const topics = ctx.rules ? [...ctx.rules.labels.keys()].filter((key) => form.get(`topic:${key}`) === 'yes') : [];
    if (!currentChoices(ctx, link.key)) {
      ex.outcome = 'prefs-not-subscribed';
      return respond(ex, notSubscribedPage(ctx.newsletter, displayAddress(link.key)));
    }
    // durable (fsynced, renamed into place) before the answer: the next send reads it
    writePreference(ctx.subscribersDir, { email: link.key, topics, timeZone, frequency, at: stamp(ctx.now()) });
    ex.outcome = 'prefs-saved';
  } catch (err) {
    return recordFailed(ctx, ex, err, 'preferences');
  }
  show(ctx, ex, 'Saved. The next email follows your choices.');
}

/** The reader's choices as the next send sees them (list and preferences file), or undefined when they are not subscribed. */
function currentChoices(ctx: PreferencesContext, key: string): Current | undefined {
  const subscriber = discoverSubscribers(ctx.subscribersDir).subscribers.find((s) => s.key === key);
  if (!subscriber) return undefined;
  return { topics: ctx.rules ? topicsOf(subscriber.topics, ctx.rules) : [], timeZone: subscriber.timeZone ?? '', frequency: subscriber.frequency ?? 'instant' };
}

/** A browser says where a form was posted from; one from another site is refused (the nonce already is, this says it plainly). */
function crossSite(ex: Exchange): boolean {
  const origin = ex.req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== ex.req.headers.host;
  } catch {
    return true;
  }
}

function linkOf(ctx: HandlerContext, ex: Exchange): SignedLink | undefined {
  return verifiedLink(ctx, ex, ex.url.searchParams.get('token') ?? '');
}
