/**
 * Compile-time only (the root tsconfig's typecheck, `npm test`; the bench's own build leaves it
 * out): herald's current src/ still provides what api.ts loads by name from dist/. When a module
 * moves or a function changes shape, the typecheck fails here rather than a bench run midway.
 * The paths are api.ts's MODULES, as sources.
 */
import type { ComposeApi, HeraldApi } from './api';

type Current = {
  loadSettings: typeof import('../../src/config/load').loadSettings;
  discoverPosts: typeof import('../../src/discover/posts').discoverPosts;
  discoverSubscribers: typeof import('../../src/subscribers/read').discoverSubscribers;
  renderPost: typeof import('../../src/render/post').renderPost;
  fillMessage: typeof import('../../src/render/post').fillMessage;
  resolveSender: typeof import('../../src/render/envelope').resolveSender;
  unsubscribeLinks: typeof import('../../src/render/envelope').unsubscribeLinks;
};

type CurrentCompose = {
  compileMessage: typeof import('../../src/render/compose').compileMessage;
  personalise: typeof import('../../src/render/compose').personalise;
};

// buildMessage: older builds have it; today's are measured through compose (see api.ts).
// renderPost and resolveSender take only the settings they read, which the settings loadSettings
// returns include: checked on their own below, since the bench's settings type names only what
// the bench itself reads.
type Fits<T extends Omit<HeraldApi, 'buildMessage' | 'renderPost' | 'resolveSender'>> = T;
/** Fails the typecheck when the condition does not hold. */
type Holds<T extends true> = T;
type Loaded = ReturnType<Current['loadSettings']>;
type RenderTakesLoadedSettings = Loaded extends Parameters<Current['renderPost']>[1] ? true : false;
type SenderTakesLoadedSettings = Loaded extends Parameters<Current['resolveSender']>[0] ? true : false;
type RendersToObject = Awaited<ReturnType<Current['renderPost']>> extends object ? true : false;
type FitsCompose<T extends ComposeApi> = T;

export type HeraldSourceFitsTheBench = [Fits<Current>, FitsCompose<CurrentCompose>, Holds<RenderTakesLoadedSettings>, Holds<SenderTakesLoadedSettings>, Holds<RendersToObject>];
