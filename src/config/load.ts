import fs from 'node:fs';
import path from 'node:path';
import { parseSmtpUrl } from '../deliver/smtp-url';
import { ErrorCode, HeraldError } from '../errors';
import { mailboxProblem } from './header-settings';
import { type ConfigFile, validateConfig } from './schema';
import { postFolders } from './site-settings';

export const CONFIG_FILE = 'herald.config.json';

/** Everything a command needs to know about the newsletter, resolved once at the edge. */
export interface Settings extends Omit<ConfigFile, 'stateDir' | 'previewDir'> {
  readonly root: string;
  readonly configPath: string;
  /** The first folder of posts (see postsDirs). */
  readonly postsDir: string;
  /** Every folder of posts, from the "posts" setting, absolute. */
  readonly postsDirs: readonly string[];
  readonly templatesDir: string;
  readonly subscribersDir: string;
  readonly stateDir: string;
  readonly previewDir: string;
  readonly env: Environment;
}

/** The settings that may only come from the environment (secrets, or per-machine values). */
export interface Environment {
  readonly smtpUrl?: string;
  /** Each relay's URL by its variable (HERALD_SMTP_URL_<NAME>), for the `relays` setting. */
  readonly relayUrls: Readonly<Record<string, string>>;
  readonly from?: string;
  readonly secret?: string;
  /** Earlier secrets whose unsubscribe links must keep working after a rotation (comma-separated). */
  readonly previousSecrets: readonly string[];
  readonly publicUrl?: string;
  readonly dkimKeyFile?: string;
  /** HERALD_DNS_SERVER: the resolver `herald check --dns` asks (host or host:port), for private resolvers and tests. */
  readonly dnsServer?: string;
  /**
   * HERALD_NOW, for tests and rehearsals only: the time herald believes it is when it starts. The
   * clock then runs on from there (see app.ts), so pacing and timeouts behave as usual.
   */
  readonly now?: Date;
}

export function readEnvironment(env: NodeJS.ProcessEnv): Environment {
  const pick = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  return {
    smtpUrl: pick('HERALD_SMTP_URL'),
    relayUrls: Object.fromEntries(Object.keys(env).filter((k) => k.startsWith('HERALD_SMTP_URL_') && pick(k)).map((k) => [k, pick(k)!])),
    from: pick('HERALD_FROM'),
    secret: pick('HERALD_SECRET'),
    previousSecrets: (pick('HERALD_SECRET_PREVIOUS') ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    publicUrl: pick('HERALD_PUBLIC_URL'),
    dkimKeyFile: pick('HERALD_DKIM_KEY_FILE'),
    dnsServer: pick('HERALD_DNS_SERVER'),
    now: parseNow(pick('HERALD_NOW')),
  };
}

function parseNow(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new HeraldError(ErrorCode.ECONFIG, `HERALD_NOW: "${value}" is not a date and time with a zone`, {
      hint: 'For example HERALD_NOW=2026-03-01T08:00:00Z; it is meant for tests, so leave it unset in production.',
    });
  }
  return at;
}

export function loadSettings(root: string, env: NodeJS.ProcessEnv): Settings {
  const absRoot = path.resolve(root);
  const configPath = path.join(absRoot, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new HeraldError(
      ErrorCode.ECONFIG,
      missing ? `no ${CONFIG_FILE} in ${absRoot}` : `cannot read ${CONFIG_FILE}: ${(err as Error).message}`,
      {
        location: { file: configPath },
        hint: missing
          ? 'Run herald from your newsletter folder, pass --root DIR, or create herald.config.json (see README).'
          : undefined,
      },
    );
  }
  const raw = parseJson(text.replace(/^\uFEFF/, ''), configPath);
  const result = validateConfig(raw);
  if (!result.ok) {
    const lines = result.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    throw new HeraldError(ErrorCode.ECONFIG, `invalid settings:\n${lines}`, {
      location: { file: configPath },
      hint: 'Fix the settings above; the README lists every setting and its default.',
    });
  }
  return resolveSettings(absRoot, configPath, result.config, readEnvironment(env));
}

function resolveSettings(root: string, configPath: string, config: ConfigFile, env: Environment): Settings {
  const stateDir = path.resolve(root, config.stateDir);
  const unsubscribeUrl = env.publicUrl ?? config.unsubscribe.url;
  if (env.publicUrl && !/^https?:\/\//.test(env.publicUrl)) {
    throw new HeraldError(ErrorCode.ECONFIG, 'HERALD_PUBLIC_URL must be an http(s) URL', {
      hint: 'For example HERALD_PUBLIC_URL=https://news.example.com/unsubscribe',
    });
  }
  // checked now, so a wrong URL is a settings error for every command, before anything is read
  if (env.smtpUrl) parseSmtpUrl(env.smtpUrl);
  for (const [variable, url] of Object.entries(env.relayUrls)) {
    try {
      parseSmtpUrl(url);
    } catch (err) {
      // the URL rules are worded for HERALD_SMTP_URL; a relay's own variable is named instead
      if (!(err instanceof HeraldError)) throw err;
      throw new HeraldError(err.code, err.message.replace('HERALD_SMTP_URL', variable), { hint: err.hint });
    }
  }
  const fromProblem = env.from === undefined ? undefined : mailboxProblem(env.from);
  if (fromProblem) {
    // the environment's sender goes into every message's From, so it gets the same rule as "from"
    throw new HeraldError(ErrorCode.ECONFIG, `HERALD_FROM: ${fromProblem}`, {
      hint: 'For example HERALD_FROM="The Dispatch <news@example.com>", or unset it to use "from" in herald.config.json.',
    });
  }
  const outside = postFolders(config.posts).find((folder) => !path.resolve(root, folder).startsWith(root + path.sep));
  if (outside !== undefined) throw postsFolderError(outside, configPath, 'is not a folder under the newsletter folder');
  return {
    ...config,
    unsubscribe: { ...config.unsubscribe, url: unsubscribeUrl },
    from: env.from ?? config.from,
    root,
    configPath,
    postsDir: path.resolve(root, postFolders(config.posts)[0]!),
    postsDirs: postFolders(config.posts).map((folder) => path.resolve(root, folder)),
    templatesDir: path.join(root, 'templates'),
    subscribersDir: path.resolve(root, config.subscribers),
    stateDir,
    previewDir: config.previewDir ? path.resolve(root, config.previewDir) : path.join(stateDir, 'preview'),
    env,
  };
}

function postsFolderError(folder: string, configPath: string, what: string): HeraldError {
  return new HeraldError(ErrorCode.ECONFIG, `posts: "${folder}" ${what}`, {
    location: { file: configPath },
    hint: 'Name the folder of posts relative to the newsletter folder, e.g. "posts", "_posts" or "content/posts".',
  });
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const match = /position (\d+)/.exec((err as Error).message);
    const line = match ? text.slice(0, Number(match[1])).split('\n').length : undefined;
    throw new HeraldError(ErrorCode.ECONFIG, `not valid JSON: ${(err as Error).message}`, {
      location: { file, line },
      hint: 'Check for a missing comma or quote near that line.',
    });
  }
}
