import { ErrorCode, HeraldError } from '../errors';

/**
 * HERALD_SMTP_URL, read once: where to connect, whether to log in, and how TLS is used.
 *
 * A password never crosses the network in clear unless the URL says so: smtps:// speaks TLS from
 * the first byte, and smtp:// with credentials must upgrade with STARTTLS before AUTH (a server
 * that does not offer it is refused). `?tls=off` is the one way out, for a relay on the same host
 * or network that has no TLS; it then never starts TLS at all.
 */
export interface SmtpTarget {
  readonly host: string;
  readonly port?: number;
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /**
   * implicit: TLS from the first byte (smtps://); required: STARTTLS before anything else;
   * opportunistic: STARTTLS when offered (smtp:// without a login); off: never (`?tls=off`).
   */
  readonly tls: TlsMode;
}

export type TlsMode = 'implicit' | 'required' | 'opportunistic' | 'off';

/** The query parameters HERALD_SMTP_URL may carry, and the values each accepts. */
const PARAMETERS: Readonly<Record<string, readonly string[]>> = { tls: ['off'] };

const EXAMPLE = 'Use smtp://user:password@host:587 or smtps://user:password@host:465 (the password URL-encoded).';

/** Parses and checks the URL; every problem is an ECONFIG error that never shows the password. */
export function parseSmtpUrl(url: string): SmtpTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError('HERALD_SMTP_URL is not a valid URL', EXAMPLE);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw configError(`HERALD_SMTP_URL must start with smtp:// or smtps://, not ${parsed.protocol}//`, EXAMPLE);
  }
  for (const [name, value] of parsed.searchParams) {
    const accepted = PARAMETERS[name];
    if (!accepted) {
      throw configError(`HERALD_SMTP_URL has an unknown parameter "${name}"`, 'The only parameter herald reads is tls=off (no TLS, for a local relay); remove the others.');
    }
    if (!accepted.includes(value)) {
      throw configError(`HERALD_SMTP_URL has ${name}=${value}, which herald does not know`, `Accepted: ${accepted.map((v) => `${name}=${v}`).join(', ')}.`);
    }
  }
  const secure = parsed.protocol === 'smtps:';
  const tlsOff = parsed.searchParams.get('tls') === 'off';
  if (secure && tlsOff) {
    throw configError('HERALD_SMTP_URL is smtps:// (TLS from the first byte) but also says tls=off', 'Use smtp:// with tls=off for a relay without TLS, or drop tls=off.');
  }
  const user = decodeURIComponent(parsed.username);
  const auth = user ? { user, pass: decodeURIComponent(parsed.password) } : undefined;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : undefined,
    secure,
    auth,
    tls: secure ? 'implicit' : tlsOff ? 'off' : auth ? 'required' : 'opportunistic',
  };
}

/** The SMTP URL without its password, for messages. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** nodemailer's connection options for a TLS mode. */
export function tlsOptions(mode: TlsMode): { secure: boolean; requireTLS?: boolean; ignoreTLS?: boolean } {
  switch (mode) {
    case 'implicit':
      return { secure: true };
    case 'required':
      return { secure: false, requireTLS: true };
    case 'off':
      return { secure: false, ignoreTLS: true };
    case 'opportunistic':
      return { secure: false };
  }
}

/** For `check` and messages: how the connection is protected. */
export function describeTls(mode: TlsMode, encrypted: boolean): string {
  switch (mode) {
    case 'implicit':
      return 'TLS from the first byte (smtps)';
    case 'required':
      return 'STARTTLS, required before login';
    case 'off':
      return 'no TLS (tls=off in HERALD_SMTP_URL)';
    case 'opportunistic':
      return encrypted ? 'STARTTLS (offered by the server)' : 'no TLS (the server offers none; there is no login to protect)';
  }
}

/** What nodemailer's errors carry that tells a TLS failure apart. */
interface ConnectError {
  readonly code?: string;
  readonly originalCode?: string;
  readonly command?: string;
  readonly response?: string;
  readonly message?: string;
}

/** Node's codes for a certificate it could not verify, or a TLS handshake that failed. */
const CERTIFICATE_CODES = /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|HOSTNAME_MISMATCH|ERR_TLS_|ERR_SSL_)/;

/**
 * Why a connection failed on TLS, said for the operator, with what to do (undefined: not a TLS
 * failure). Such a failure is in the settings or the server, never transient: not worth a retry.
 */
export function tlsFailure(err: ConnectError): { readonly message: string; readonly hint: string } | undefined {
  if (err.code === 'ENOTLS' || (err.code === 'ETLS' && err.command === 'STARTTLS' && !/initiating TLS/.test(err.message ?? ''))) {
    return {
      message: `the SMTP server does not offer STARTTLS, and herald does not send a password without TLS${err.response ? ` (STARTTLS got: ${err.response.trim()})` : ''}`,
      hint: 'Use smtps:// (port 465) or a server with STARTTLS; for a relay you trust without TLS (e.g. on localhost), add ?tls=off to HERALD_SMTP_URL.',
    };
  }
  if (err.code === 'ETLS' || CERTIFICATE_CODES.test(err.originalCode ?? err.code ?? '')) {
    return {
      message: `the TLS handshake failed: ${(err.message ?? 'unknown error').replace(/^Error initiating TLS - /, '')}`,
      hint: 'herald verifies the server\'s certificate: use the host name the certificate is issued for, or trust a private CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem.',
    };
  }
  return undefined;
}

function configError(message: string, hint: string): HeraldError {
  return new HeraldError(ErrorCode.ECONFIG, message, { hint });
}
