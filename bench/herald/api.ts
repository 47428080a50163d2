/**
 * The one place the bench names herald's code. The CLI (dist/cli.js) is what the send phases run;
 * the in-process measurements (child/render.ts, child/naive.ts) use the modules in MODULES from
 * the measured build's dist/, looked up by name so that a moved file or a renamed export fails
 * with a clear message instead of a TypeError mid-run. api.check.ts beside this file makes the
 * typecheck fail when herald's current src/ no longer provides them: when herald's modules move,
 * this file and that one are what change.
 */
import fs from 'node:fs';
import path from 'node:path';

/** herald's command line in a checkout (the send, dry-run, status and idle phases run it). */
export function heraldCli(heraldRoot: string): string {
  return path.join(heraldRoot, 'dist', 'cli.js');
}

/** The compiled modules the in-process measurements load, under the measured checkout's dist/. */
export const MODULES = {
  settings: 'config/load.js',
  posts: 'discover/posts.js',
  /** subscribers/read.js since the list has one home; discover/subscribers.js in older builds */
  subscribers: ['subscribers/read.js', 'discover/subscribers.js'],
  post: 'render/post.js',
  message: 'render/message.js',
  envelope: 'render/envelope.js',
  /** The send loop's fast path; only some builds have it. */
  compose: 'render/compose.js',
} as const;

// What the bench reads of herald's values. Anything else (a rendered post, a compiled message)
// is handed back to herald untouched, so it stays an opaque object here.
export interface HeraldSettings {
  readonly postsDir: string;
  readonly subscribersDir: string;
}
export interface HeraldPost {
  readonly id: string;
}
export interface HeraldSubscriber {
  readonly email: string;
  readonly key: string;
  readonly name: string;
  readonly smtputf8: boolean;
}
export interface HeraldMailbox {
  readonly name: string;
  readonly address: string;
}
export interface HeraldSender {
  readonly from: HeraldMailbox;
  readonly replyTo?: HeraldMailbox;
  readonly listId: string;
}
export interface HeraldLinks {
  readonly visible: string;
  readonly header: string;
  readonly oneClick: boolean;
}
export interface HeraldFilled {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}
export interface HeraldMessage {
  readonly raw: Buffer | readonly Buffer[];
}

/** The send loop's per-post compiled message, where the build has it. */
export interface ComposeApi {
  compileMessage(rendered: object, sender: HeraldSender, date: Date): object;
  personalise(template: object, recipient: HeraldSubscriber): HeraldMessage;
}

/** herald's functions the in-process measurements call (methods: herald's own types are wider). */
export interface HeraldApi {
  loadSettings(root: string, env: NodeJS.ProcessEnv): HeraldSettings;
  discoverPosts(postsDir: string): { readonly posts: readonly HeraldPost[] };
  discoverSubscribers(dir: string): { readonly subscribers: readonly HeraldSubscriber[] };
  renderPost(post: HeraldPost, settings: HeraldSettings, now: Date): Promise<object>;
  fillMessage(rendered: object, recipient: { name: string; email: string; unsubscribe_url: string }): HeraldFilled;
  buildMessage(rendered: object, sender: HeraldSender, recipient: HeraldSubscriber): Promise<{ readonly raw: Buffer }>;
  resolveSender(settings: HeraldSettings, opts: { requireSecret: boolean }): HeraldSender;
  unsubscribeLinks(sender: HeraldSender, subscriber: HeraldSubscriber): HeraldLinks;
}

export interface LoadedHerald extends HeraldApi {
  readonly compose?: ComposeApi;
}

type Module = Readonly<Record<string, unknown>>;

function load(file: string): Module {
  try {
    return require(file) as Module;
  } catch (err) {
    throw new Error(`cannot load ${file} (run \`npm run build\` first): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The functions of one build, each checked to exist. */
export function loadHerald(heraldRoot: string): LoadedHerald {
  const dist = path.join(heraldRoot, 'dist');
  const need = <K extends keyof HeraldApi>(key: keyof typeof MODULES, name: K): HeraldApi[K] => {
    const candidates: readonly string[] = typeof MODULES[key] === 'string' ? [MODULES[key] as string] : (MODULES[key] as readonly string[]);
    const file = candidates.map((c) => path.join(dist, c)).find((f) => fs.existsSync(f)) ?? path.join(dist, candidates[0]!);
    const fn = load(file)[name];
    if (typeof fn !== 'function') throw new Error(`${file} no longer exports ${name}(); update bench/herald/api.ts`);
    return fn as HeraldApi[K];
  };
  const compose = optionalCompose(path.join(dist, MODULES.compose));
  return {
    loadSettings: need('settings', 'loadSettings'),
    discoverPosts: need('posts', 'discoverPosts'),
    discoverSubscribers: need('subscribers', 'discoverSubscribers'),
    renderPost: need('post', 'renderPost'),
    fillMessage: need('post', 'fillMessage'),
    buildMessage: optionalBuildMessage(path.join(dist, MODULES.message)) ?? wholeMessage(compose, dist),
    resolveSender: need('envelope', 'resolveSender'),
    unsubscribeLinks: need('envelope', 'unsubscribeLinks'),
    compose,
  };
}

/** Builds before herald had one composer: nodemailer's composer, per recipient. */
function optionalBuildMessage(file: string): HeraldApi['buildMessage'] | undefined {
  if (!fs.existsSync(file)) return undefined;
  const fn = load(file).buildMessage;
  return typeof fn === 'function' ? (fn as HeraldApi['buildMessage']) : undefined;
}

/** Builds since: one recipient's message composed whole by herald's composer, as a single Buffer. */
function wholeMessage(compose: ComposeApi | undefined, dist: string): HeraldApi['buildMessage'] {
  if (!compose) throw new Error(`${dist} has neither render/message.js buildMessage() nor render/compose.js; update bench/herald/api.ts`);
  return async (rendered, sender, recipient) => {
    const { raw } = compose.personalise(compose.compileMessage(rendered, sender, new Date()), recipient);
    return { raw: Buffer.isBuffer(raw) ? raw : Buffer.concat(raw) };
  };
}

/** A module that only some builds have: undefined when it or one of its functions is missing. */
function optionalCompose(file: string): ComposeApi | undefined {
  if (!fs.existsSync(file)) return undefined;
  const mod = load(file);
  return typeof mod.compileMessage === 'function' && typeof mod.personalise === 'function' ? (mod as unknown as ComposeApi) : undefined;
}

/** nodemailer as the measured checkout has it (the baseline sends with herald's own copy). */
export function heraldRequire<T>(heraldRoot: string, id: string): T {
  return require(require.resolve(id, { paths: [heraldRoot] })) as T;
}

export interface Folder {
  readonly settings: HeraldSettings;
  readonly post: HeraldPost;
  readonly subscribers: readonly HeraldSubscriber[];
}

/** Settings, the named post and the subscribers of a bench newsletter folder, read with herald's own code. */
export function readFolder(api: HeraldApi, root: string, postId: string): Folder {
  const settings = api.loadSettings(root, process.env);
  const posts = api.discoverPosts(settings.postsDir).posts;
  const post = posts.find((p) => p.id === postId);
  if (!post) throw new Error(`post "${postId}" not found in ${settings.postsDir} (found: ${posts.map((p) => p.id).join(', ')})`);
  const subscribers = api.discoverSubscribers(settings.subscribersDir).subscribers;
  return { settings, post, subscribers };
}
