/**
 * A temporary folder with a posts/ folder in it, made before each test and removed after it, for
 * tests of discovery that write posts as files and read them back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DiscoveredPosts, discoverPosts } from '../../src/discover/posts';

export interface PostsFolder {
  /** The temporary folder (realpath: tests compare the paths discovery reports). */
  readonly root: string;
  readonly postsDir: string;
  /** Writes one file under posts/ (folders made as needed) and returns its full path. */
  write(rel: string, content: string | Buffer): string;
  /** Writes these files under posts/, then discovers the whole folder. */
  discover(files: Record<string, string | Buffer>): DiscoveredPosts;
}

/** Call at the top of a test file: the returned folder is fresh in every test. */
export function usePostsFolder(): PostsFolder {
  const state = { root: '', postsDir: '' };
  beforeEach(() => {
    state.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'herald-unit-')));
    state.postsDir = path.join(state.root, 'posts');
    fs.mkdirSync(state.postsDir);
  });
  afterEach(() => {
    fs.rmSync(state.root, { recursive: true, force: true });
  });
  const write = (rel: string, content: string | Buffer): string => {
    const full = path.join(state.postsDir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return full;
  };
  return {
    get root() {
      return state.root;
    },
    get postsDir() {
      return state.postsDir;
    },
    write,
    discover(files) {
      for (const [rel, content] of Object.entries(files)) write(rel, content);
      return discoverPosts(state.postsDir);
    },
  };
}
