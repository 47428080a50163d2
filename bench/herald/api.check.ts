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
  discoverSubscribers: typeof import('../../src/discover/subscribers').discoverSubscribers;
  renderPost: typeof import('../../src/render/post').renderPost;
  fillMessage: typeof import('../../src/render/post').fillMessage;
  buildMessage: typeof import('../../src/render/message').buildMessage;
  resolveSender: typeof import('../../src/render/envelope').resolveSender;
  unsubscribeLinks: typeof import('../../src/render/envelope').unsubscribeLinks;
};

type CurrentCompose = {
  compileMessage: typeof import('../../src/render/compose').compileMessage;
  personalise: typeof import('../../src/render/compose').personalise;
};

type Fits<T extends HeraldApi> = T;
type FitsCompose<T extends ComposeApi> = T;

export type HeraldSourceFitsTheBench = [Fits<Current>, FitsCompose<CurrentCompose>];
