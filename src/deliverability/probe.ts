import http from 'node:http';
import https from 'node:https';
import { ErrorCode, type Problem } from '../errors';
import { TEST_COPY_TOKEN, unsubscribeUrl } from '../unsubscribe/token';

/**
 * A dry probe of the one-click unsubscribe endpoint, from the machine that runs the check: a HEAD
 * and an RFC 8058 POST, both carrying the test-copy token, which names nobody (herald serve
 * answers it with 200 and unsubscribes no one). It proves the public URL resolves, connects,
 * passes TLS and reaches something that takes a one-click POST.
 */
export interface ProbeOptions {
  readonly timeoutMs?: number;
}

export async function probeUnsubscribe(base: string, severity: Problem['severity'], opts: ProbeOptions = {}): Promise<{ problems: Problem[]; summary?: string }> {
  const url = unsubscribeUrl(base, TEST_COPY_TOKEN);
  const found = (message: string, hint?: string): Problem => ({ code: ErrorCode.ECONFIG, message, hint, severity });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let head: number;
  try {
    head = await request(url, 'HEAD', undefined, timeoutMs);
  } catch (err) {
    return { problems: [found(`the unsubscribe URL ${base} is not reachable from this machine: ${describe(err)}`,
      'Check that herald serve runs behind it and that the name resolves and accepts connections from outside.')] };
  }
  if (head >= 400) {
    return { problems: [found(`the unsubscribe URL ${base} answered HEAD with ${head}`, 'Point "unsubscribe.url" at herald serve\'s /unsubscribe address.')] };
  }
  let post: number;
  try {
    post = await request(url, 'POST', 'List-Unsubscribe=One-Click', timeoutMs);
  } catch (err) {
    return { problems: [found(`the unsubscribe URL ${base} took the HEAD but not a one-click POST: ${describe(err)}`)] };
  }
  if (post < 200 || post > 299) {
    return { problems: [found(`the unsubscribe URL ${base} answered a one-click POST (RFC 8058) with ${post}; mail clients expect a 2xx`,
      `herald serve answers herald's probe token (${TEST_COPY_TOKEN}) with 200 and unsubscribes nobody; a proxy in front of it must pass POST through without redirecting.`)] };
  }
  return { problems: [], summary: `one-click unsubscribe at ${base}: HEAD ${head}, POST ${post} (a probe that unsubscribes nobody)` };
}

function request(url: string, method: 'HEAD' | 'POST', body: string | undefined, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const headers: http.OutgoingHttpHeaders = { 'User-Agent': 'herald-check' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOTFOUND: 'the name does not resolve',
    ECONNREFUSED: 'the connection was refused',
    ETIMEDOUT: 'no answer in time',
    CERT_HAS_EXPIRED: 'its TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
  };
  return e.code && why[e.code] ? `${why[e.code]} (${e.code})` : e.code ? `${e.message} (${e.code})` : e.message;
}
