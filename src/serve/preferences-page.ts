import { escapeHtml, layout, type Page } from './html';

/** The preferences page: plain HTML forms, no script, every value escaped. */

export interface PreferencesView {
  readonly newsletter: string;
  readonly email: string;
  readonly token: string;
  readonly nonce: string;
  /** The configured topics, in their order, and whether the reader has each. */
  readonly topics: readonly { readonly key: string; readonly label: string; readonly chosen: boolean }[];
  readonly noTopics: 'everything' | 'nothing';
  /** The reader's zone, or empty for the newsletter's. */
  readonly timeZone: string;
  readonly defaultZone: string;
  readonly zones: readonly string[];
  /** "instant", "daily" or "weekly:DAY". */
  readonly frequency: string;
  /** Said above the form: "Saved." or what was wrong. */
  readonly notice?: string;
}

const FREQUENCIES: readonly (readonly [string, string])[] = [
  ['instant', 'Each post as it comes out'],
  ['daily', 'One email a day with the day\'s posts'],
  ...['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [`weekly:${d}`, `One email a week, on ${d[0]!.toUpperCase()}${d.slice(1)}`] as const),
];

const action = (token: string): string => escapeHtml(`?token=${encodeURIComponent(token)}`);

export function preferencesPage(view: PreferencesView, status = 200): Page {
  const topics = view.topics.length
    ? `<fieldset>
<legend>Topics</legend>
<p class="small">${view.noTopics === 'everything' ? 'Choose none to receive every post.' : 'Choose none to receive only the posts meant for everyone.'}</p>
${view.topics.map((t, i) => `<div class="choice"><input type="checkbox" id="topic-${i}" name="topic:${escapeHtml(t.key)}" value="yes"${t.chosen ? ' checked' : ''}><label for="topic-${i}">${escapeHtml(t.label)}</label></div>`).join('\n')}
</fieldset>`
    : '';
  const zones = [`<option value=""${view.timeZone ? '' : ' selected'}>The newsletter's time zone (${escapeHtml(view.defaultZone)})</option>`,
    ...view.zones.map((z) => `<option${z === view.timeZone ? ' selected' : ''}>${escapeHtml(z)}</option>`)].join('');
  return layout(status, view.newsletter, 'Your subscription', `
<p>Choices for <span class="who">${escapeHtml(view.email)}</span>.</p>
${view.notice ? `<p role="status"><strong>${escapeHtml(view.notice)}</strong></p>` : ''}
<form method="post" action="${action(view.token)}">
<input type="hidden" name="nonce" value="${escapeHtml(view.nonce)}">
${topics}
<label for="frequency">How often</label>
<select id="frequency" name="frequency">${FREQUENCIES.map(([value, label]) => `<option value="${value}"${value === view.frequency ? ' selected' : ''}>${label}</option>`).join('')}</select>
<label for="timezone">Time zone</label>
<select id="timezone" name="timezone">${zones}</select>
<button type="submit" name="action" value="save">Save my choices</button>
</form>
<h2>Leave</h2>
<form method="post" action="${action(view.token)}">
<input type="hidden" name="nonce" value="${escapeHtml(view.nonce)}">
<p>Stop receiving ${escapeHtml(view.newsletter)} altogether.</p>
<button type="submit" name="action" value="leave" class="quiet">Unsubscribe</button>
</form>
<p class="small">Nothing changes until you press a button.</p>`);
}

export function notSubscribedPage(newsletter: string, email: string): Page {
  return layout(200, newsletter, 'Your subscription', `
<p><span class="who">${escapeHtml(email)}</span> is not subscribed to ${escapeHtml(newsletter)}, so there is nothing to choose.</p>`);
}

export function leftPage(newsletter: string, email: string): Page {
  return layout(200, newsletter, 'You are unsubscribed', `
<p><span class="who">${escapeHtml(email)}</span> will not receive ${escapeHtml(newsletter)} any more.</p>`);
}

export function staleFormPage(newsletter: string): Page {
  return layout(403, newsletter, 'Nothing was changed', `
<p>This form is too old or did not come from the preferences page. Please open the “Manage your subscription” link in a recent email and try again.</p>`);
}
