import { postFromSource } from '../../src/discover/posts';
import { parseSubscriberCsv } from '../../src/subscribers/read';

describe("reading readers' choices: topics of posts and subscribers, time zones", () => {
  test('tags, categories and topics of a post are its topic words, lists or comma-separated', () => {
    const yaml = postFromSource('---\ntitle: T\ntags: [Rust, cargo]\ncategories: systems\ntopics: rust\n---\nBody\n', 'a.md');
    expect(yaml.topics).toEqual(['Rust', 'cargo', 'systems', 'rust']);
    const pelican = postFromSource('Title: T\nTags: go, web\n\nBody\n', 'b.md');
    expect(pelican.topics).toEqual(['go', 'web']);
    expect(postFromSource('# T\n\nBody\n', 'c.md').topics).toBeUndefined();
  });

  test('audience: all, or topic names; "all" beside topics is refused with the line', () => {
    expect(postFromSource('---\naudience: all\n---\nBody\n', 'a.md').audience).toBe('all');
    expect(postFromSource('---\naudience: [rust, go]\n---\nBody\n', 'a.md').audience).toEqual(['rust', 'go']);
    expect(() => postFromSource('---\ntitle: T\naudience: [all, rust]\n---\nBody\n', 'a.md')).toThrow(/audience.*"all"/);
  });

  test('a topics or tags column, ";" or "|" separated as exports write it', () => {
    const parsed = parseSubscriberCsv('email,tags\na@example.com,rust;go\nb@example.com,Rust | Go\nc@example.com,\nd@example.com,"one, two"\n', 'list.csv');
    expect(parsed.rows.map((r) => r.topics)).toEqual([['rust', 'go'], ['Rust', 'Go'], undefined, ['one', 'two']]);
    expect(parseSubscriberCsv('email,topics\na@example.com,rust\n', 'l.csv').rows[0]!.topics).toEqual(['rust']);
  });

  test('a time zone column is checked: a wrong zone names the file and line, and the row is still mailed', () => {
    const parsed = parseSubscriberCsv('email,timezone\na@example.com,Asia/Tokyo\nb@example.com,Mars/Olympus\nc@example.com,europe/berlin\nd@example.com,\n', 'list.csv');
    expect(parsed.rows.map((r) => r.timeZone)).toEqual(['Asia/Tokyo', undefined, 'Europe/Berlin', undefined]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ severity: 'error', location: { file: 'list.csv', line: 3 } });
    expect(parsed.problems[0]!.message).toContain('"Mars/Olympus" is not a time zone');
  });
});
