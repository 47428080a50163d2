import { feedbackLine, feedbackSummary } from '../../src/commands/status-feedback';

describe('the complaint rate herald status reports', () => {
  test('a warning above 0.1% of the messages sent, an error above 0.3%', () => {
    const at = (complained: number, sent: number) => feedbackSummary({ hard: 0, soft: 0, complained, sender: 0 }, sent).level;
    expect(at(1, 1000)).toBe('ok');
    expect(at(2, 1000)).toBe('warning');
    expect(at(3, 1000)).toBe('warning');
    expect(at(4, 1000)).toBe('error');
    expect(at(0, 0)).toBe('ok');
  });

  test('one line per post, only when something was reported', () => {
    expect(feedbackLine(feedbackSummary(undefined, 10))).toBe('');
    expect(feedbackLine(feedbackSummary({ hard: 2, soft: 1, complained: 1, sender: 1 }, 400))).toBe('bounced 3 (hard 2, soft 1), complained 1 (0.25% of sent), sender refused by 1');
  });
});
