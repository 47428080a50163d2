import type { App } from '../app';
import { relaySmtpSettings, relayTargets } from '../deliver/relay-pool';
import { parseSmtpUrl, redactSmtpUrl, SmtpPool } from '../deliver/smtp-pool';
import { tlsFailure } from '../deliver/smtp-url';
import { ErrorCode, type Problem, problem } from '../errors';

/**
 * `herald check` with several relays: logs in to every relay and says how each went; a relay
 * whose URL is missing from the environment is named with its variable.
 */
export async function checkRelays(app: Pick<App, 'settings'>): Promise<{ smtp: string; problems: Problem[] }> {
  const { settings } = app;
  const problems: Problem[] = [];
  const lines: string[] = [];
  const targets = relayTargets(settings.relays ?? [], settings.env);
  await Promise.all(
    targets.map(async ({ relay, variable, url }, i) => {
      if (!url) {
        problems.push(problem(ErrorCode.ECONFIG, `relay "${relay.name}": ${variable} is not set`, { file: settings.configPath }, `Set ${variable} to the relay's SMTP URL, or remove "${relay.name}" from "relays".`));
        lines[i] = `${relay.name}: no URL`;
        return;
      }
      try {
        const tls = await new SmtpPool(parseSmtpUrl(url), relaySmtpSettings(settings.smtp, relay)).verify();
        lines[i] = `${relay.name}: connected to ${redactSmtpUrl(url)}, ${tls}`;
      } catch (err) {
        const e = err as { message?: string; response?: string };
        const tls = tlsFailure(err as { code?: string });
        problems.push(problem(ErrorCode.ESMTP, `relay "${relay.name}": cannot use ${redactSmtpUrl(url)}: ${tls?.message ?? e.response ?? e.message}`, undefined, tls?.hint ?? `Check ${variable}.`));
        lines[i] = `${relay.name}: failed`;
      }
    }),
  );
  return { smtp: `relays: ${lines.join('; ')}`, problems };
}
