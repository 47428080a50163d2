/**
 * The rules that keep the code's shape (docs/ARCHITECTURE.md). The import rules are
 * dependency-cruiser's (.dependency-cruiser.cjs, run by `npm test` before jest); this file holds
 * what it does not check.
 */
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..');
/** Past this a file is doing more than one job; split it by job, not at the line. */
const MAX_LINES = 300;

function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(REPO, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(REPO, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe('the shape of the code', () => {
  test.each(['src', 'bench'])(`no source file in %s/ is over ${MAX_LINES} lines`, (dir) => {
    const files = sources(dir);
    expect(files.length).toBeGreaterThan(5);
    const long = files
      .map((file) => ({ file, lines: fs.readFileSync(path.join(REPO, file), 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  test('every folder under src/ is described in docs/ARCHITECTURE.md', () => {
    const map = fs.readFileSync(path.join(REPO, 'docs/ARCHITECTURE.md'), 'utf8');
    const folders = fs.readdirSync(path.join(REPO, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}/`);
    expect(folders.length).toBeGreaterThan(5);
    expect(folders.filter((f) => !map.includes(f))).toEqual([]);
  });
});
