/**
 * The few pages `herald serve` shows: plain HTML, no scripts, no external resources, every value
 * escaped. Forms post back to the page's own URL (a relative action), so they work behind a
 * reverse proxy that serves herald under a path prefix.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Page {
  readonly status: number;
  readonly html: string;
}

const STYLE = `
  body { margin: 0; padding: 48px 16px; background: #f3f4f6; color: #1f2937; font: 16px/1.6 -apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif; }
  main { max-width: 460px; margin: 0 auto; background: #fff; border-radius: 8px; padding: 32px; }
  h1 { font-size: 22px; line-height: 1.3; margin: 0 0 16px; }
  p { margin: 0 0 16px; }
  .who { font-weight: 600; word-break: break-all; }
  .small { font-size: 14px; color: #6b7280; }
  label { display: block; margin: 0 0 4px; font-size: 14px; font-weight: 600; }
  input[type=email], input[type=text] { box-sizing: border-box; width: 100%; padding: 10px 12px; margin: 0 0 16px; border: 1px solid #d1d5db; border-radius: 6px; font: inherit; }
  button { padding: 12px 22px; border: 0; border-radius: 6px; background: #2563eb; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
  .trap { position: absolute; left: -10000px; }
  @media (prefers-color-scheme: dark) { body { background: #111827; color: #e5e7eb; } main { background: #1f2937; } .small { color: #9ca3af; } }
`;

function layout(status: number, newsletter: string, title: string, body: string): Page {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} · ${escapeHtml(newsletter)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
  return { status, html };
}

const who = (email: string): string => `<span class="who">${escapeHtml(email)}</span>`;
const action = (token: string): string => `?token=${encodeURIComponent(token)}`;

export const unsubscribePages = {
  /** GET: asks; never unsubscribes by itself (mail scanners open links). */
  confirm(newsletter: string, email: string, token: string): Page {
    return layout(200, newsletter, `Unsubscribe from ${newsletter}?`, `
<p>${who(email)} will no longer receive ${escapeHtml(newsletter)}.</p>
<form method="post" action="${escapeHtml(action(token))}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="via" value="page">
<button type="submit">Unsubscribe</button>
</form>
<p class="small">Nothing changes until you press the button.</p>`);
  },
  done(newsletter: string, email: string): Page {
    return layout(200, newsletter, 'You are unsubscribed', `
<p>${who(email)} will not receive ${escapeHtml(newsletter)} any more.</p>
<p class="small">If this was a mistake, you can subscribe again.</p>`);
  },
  already(newsletter: string, email: string): Page {
    return layout(200, newsletter, 'You are unsubscribed', `
<p>${who(email)} is not on the ${escapeHtml(newsletter)} mailing list any more; there is nothing else to do.</p>`);
  },
  /** A test copy's link (and the deliverability check's probe): answered, and nobody is unsubscribed. */
  testCopy(newsletter: string): Page {
    return layout(200, newsletter, 'This link came in a test copy', `
<p>Test copies carry an unsubscribe link that belongs to nobody, so nobody was unsubscribed. Subscribers' copies carry their own link.</p>`);
  },
  missingToken(newsletter: string): Page {
    return layout(400, newsletter, 'This unsubscribe link is incomplete', `
<p>The link has no token. Please use the complete link from the bottom of the email; if your mail program split it over two lines, copy all of it.</p>`);
  },
  invalidToken(newsletter: string): Page {
    return layout(403, newsletter, 'This unsubscribe link is not valid', `
<p>The link was changed, cut short, or does not belong to this newsletter, so nobody was unsubscribed.</p>
<p>Please use the unsubscribe link at the bottom of the email you received, or reply to that email and ask to be removed.</p>`);
  },
  notOneClick(newsletter: string): Page {
    return layout(400, newsletter, 'Nothing was changed', `
<p>An unsubscribe request must carry <code>List-Unsubscribe=One-Click</code> (RFC 8058). Please use the button on the unsubscribe page.</p>`);
  },
  failed(newsletter: string): Page {
    return layout(500, newsletter, 'Something went wrong', `
<p>Your request could not be recorded just now, so nothing was changed. Please try again in a few minutes.</p>`);
  },
};

export const subscribePages = {
  form(newsletter: string, status = 200, message = '', values: { email?: string; name?: string } = {}): Page {
    return layout(status, newsletter, `Subscribe to ${newsletter}`, `
${message ? `<p><strong>${escapeHtml(message)}</strong></p>` : ''}
<form method="post">
<label for="email">Email address</label>
<input id="email" type="email" name="email" required maxlength="254" autocomplete="email" value="${escapeHtml(values.email ?? '')}">
<label for="name">Name (optional)</label>
<input id="name" type="text" name="name" maxlength="100" autocomplete="name" value="${escapeHtml(values.name ?? '')}">
<div class="trap" aria-hidden="true"><label for="website">Leave this empty</label><input id="website" type="text" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">Subscribe</button>
</form>
<p class="small">We will send you an email with a link to confirm.</p>`);
  },
  checkInbox(newsletter: string, email: string): Page {
    return layout(200, newsletter, 'Check your inbox', `
<p>If ${who(email)} can be subscribed, a message with a confirmation link is on its way to it.</p>
<p class="small">The link works for 48 hours. Nothing happens until you open it and confirm.</p>`);
  },
  tooMany(newsletter: string): Page {
    return layout(429, newsletter, 'Too many requests', `
<p>Too many subscribe requests came from your network. Nothing was sent; please try again later.</p>`);
  },
  sendFailed(newsletter: string): Page {
    return layout(503, newsletter, 'Please try again later', `
<p>The confirmation email could not be sent just now. Nothing was changed; please try again in a few minutes.</p>`);
  },
  confirm(newsletter: string, email: string, token: string): Page {
    return layout(200, newsletter, `Confirm your subscription`, `
<p>Subscribe ${who(email)} to ${escapeHtml(newsletter)}?</p>
<form method="post" action="${escapeHtml(action(token))}">
<button type="submit" name="confirm" value="yes">Yes, subscribe me</button>
</form>`);
  },
  confirmed(newsletter: string, email: string): Page {
    return layout(200, newsletter, 'You are subscribed', `
<p>${who(email)} will receive ${escapeHtml(newsletter)} from the next issue on.</p>
<p class="small">Every email has a link to unsubscribe at the bottom.</p>`);
  },
  refused(newsletter: string): Page {
    return layout(409, newsletter, 'This address cannot be subscribed here', `
<p>Please write to the sender of ${escapeHtml(newsletter)} if you want to receive it.</p>`);
  },
  invalidToken(newsletter: string): Page {
    return layout(403, newsletter, 'This confirmation link is not valid', `
<p>The link was changed or cut short. Please use the complete link from the confirmation email, or subscribe again.</p>`);
  },
  expired(newsletter: string): Page {
    return layout(410, newsletter, 'This confirmation link has expired', `
<p>Confirmation links work for 48 hours. Please subscribe again to get a new one.</p>`);
  },
};

export function notFound(newsletter: string): Page {
  return layout(404, newsletter, 'Not found', '<p>There is nothing here.</p>');
}

export function methodNotAllowed(newsletter: string): Page {
  return layout(405, newsletter, 'Method not allowed', '<p>This page only answers GET and POST.</p>');
}

export function tooLarge(newsletter: string): Page {
  return layout(413, newsletter, 'Request too large', '<p>The request was larger than this page accepts.</p>');
}

export function badRequest(newsletter: string, message: string): Page {
  return layout(400, newsletter, 'Bad request', `<p>${escapeHtml(message)}</p>`);
}
