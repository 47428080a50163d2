/**
 * The lint's rules about links, images and the subject, through the built CLI: `herald check
 * --spam POST` and `herald preview POST` name each fault in the post, and say nothing about a
 * post without them.
 */
import { makeNewsletter, type TempNewsletter } from '../support/newsletter';
import { herald } from './helpers';

const FAULTY = [
  '---',
  'title: HUGE SAVINGS INSIDE 🔥🔥🔥',
  '---',
  '![Sale](https://example.com/sale.png)',
  '',
  '[Buy](https://bit.ly/3xYz) at [www.mybank.com](https://login.attacker.example/) or [here](http://192.0.2.10/x).',
  '',
].join('\n');

describe('the spam lint through the CLI', () => {
  let nl: TempNewsletter;
  afterEach(() => nl?.remove());

  test('check --spam names a shortener, an IP-literal link, a deceptive link, an image-only post, a subject in capitals with many emoji', async () => {
    nl = makeNewsletter({ config: { postalAddress: '1 Long Road' }, posts: { 'sale.md': FAULTY }, subscribers: { 'list.csv': 'email\nada@example.com\n' } });
    const res = await herald(nl, ['check', '--no-smtp', '--spam', 'sale']);
    expect(res.stderr).toContain('posts/sale.md: 1 link goes through a URL shortener (https://bit.ly/3xYz)');
    expect(res.stderr).toContain('1 link or image points at an IP address instead of a domain name (http://192.0.2.10/x)');
    expect(res.stderr).toContain('1 link shows one address but goes to another ("www.mybank.com" → login.attacker.example)');
    expect(res.stderr).toContain('the post is mostly images (1 image,');
    expect(res.stderr).toContain('the subject "HUGE SAVINGS INSIDE 🔥🔥🔥" is in capitals');
    expect(res.stderr).toContain('has 3 emoji');
  });

  test('preview names them too, and a plain post gets none of them', async () => {
    const plain = '---\ntitle: Notes from the harbour\n---\nThis week we walked along the harbour at dawn and watched the boats go out; [the photos are on the site](https://blog.example.com/photos/).\n';
    nl = makeNewsletter({ config: { postalAddress: '1 Long Road' }, posts: { 'sale.md': FAULTY, 'plain.md': plain }, subscribers: { 'list.csv': 'email\nada@example.com\n' } });
    const faulty = await herald(nl, ['preview', 'sale']);
    expect(faulty.stderr).toContain('goes through a URL shortener');
    expect(faulty.stderr).toContain('is in capitals');
    const clean = await herald(nl, ['preview', 'plain']);
    expect(clean.stderr).not.toMatch(/shortener|IP address|shows one address|mostly images|in capitals|emoji/);
  });
});
