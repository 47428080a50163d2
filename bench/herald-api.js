'use strict';
/**
 * The parts of herald's compiled code (dist/) that the in-process measurements use, looked up
 * by name so that a renamed export fails with a clear message instead of a TypeError mid-run.
 */
const fs = require('node:fs');
const path = require('node:path');

function loadHerald(heraldRoot) {
  const dist = path.join(heraldRoot, 'dist');
  const need = (file, name) => {
    let mod;
    try {
      mod = require(path.join(dist, file));
    } catch (err) {
      throw new Error(`cannot load ${path.join(dist, file)} (run \`npm run build\` first): ${err.message}`);
    }
    if (typeof mod[name] !== 'function') throw new Error(`${path.join(dist, file)} no longer exports ${name}(); update bench/herald-api.js`);
    return mod[name];
  };
  return {
    loadSettings: need('config/load.js', 'loadSettings'),
    discoverPosts: need('discover/posts.js', 'discoverPosts'),
    discoverSubscribers: need('discover/subscribers.js', 'discoverSubscribers'),
    renderPost: need('render/post.js', 'renderPost'),
    fillMessage: need('render/post.js', 'fillMessage'),
    // builds before one composer: nodemailer's, per recipient; since, herald's composer composing each message whole
    buildMessage: optional(path.join(dist, 'render', 'message.js'), ['buildMessage'])?.buildMessage ?? wholeMessage(need('render/compose.js', 'compileMessage'), need('render/compose.js', 'personalise')),
    resolveSender: need('render/envelope.js', 'resolveSender'),
    unsubscribeLinks: need('render/envelope.js', 'unsubscribeLinks'),
    messageIdFor: need('render/envelope.js', 'messageIdFor'),
    compose: optional(path.join(dist, 'render', 'compose.js'), ['compileMessage', 'personalise']),
  };
}

/** One recipient's message composed whole (the post's template compiled for it alone), as a single Buffer. */
function wholeMessage(compileMessage, personalise) {
  return async (rendered, sender, recipient) => {
    const message = personalise(compileMessage(rendered, sender, new Date()), recipient);
    return { ...message, raw: Buffer.concat(message.raw) };
  };
}

/** A module that only some builds have: undefined when it or one of the names is missing. */
function optional(file, names) {
  if (!fs.existsSync(file)) return undefined;
  const mod = require(file);
  return names.every((n) => typeof mod[n] === 'function') ? mod : undefined;
}

/** Settings, the named post and the subscribers of a bench newsletter folder, read with herald's own code. */
function readFolder(api, root, postId) {
  const settings = api.loadSettings(root, process.env);
  const posts = api.discoverPosts(settings.postsDir).posts;
  const post = posts.find((p) => p.id === postId);
  if (!post) throw new Error(`post "${postId}" not found in ${settings.postsDir} (found: ${posts.map((p) => p.id).join(', ')})`);
  const subscribers = api.discoverSubscribers(settings.subscribersDir).subscribers;
  return { settings, post, subscribers };
}

/** Parses `--key value` pairs into an object (values stay strings). */
function argsOf(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
    i++;
  }
  return out;
}

module.exports = { loadHerald, readFolder, argsOf };
