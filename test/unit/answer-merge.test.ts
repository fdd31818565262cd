import { mergeAnswer } from '../../lib/domain/answer-merge';

describe('mergeAnswer: an answer that omits fields does not thin the stored record', () => {
  const stored = '{"id":7320768196569599275,"view_count":10,"hashtag_names":["climate"],"music_id":7000000000000000001}';

  it('keeps a field the answer leaves out, in the stored order, so an otherwise equal answer is unchanged', () => {
    expect(mergeAnswer(stored, '{"id":7320768196569599275,"view_count":10,"music_id":7000000000000000001}')).toBe(stored);
  });

  it('takes what the answer carries: a new value, a null (the platform removed the value), a new field', () => {
    const merged = mergeAnswer(stored, '{"id":7320768196569599275,"view_count":11,"music_id":null,"region_code":"DE"}');
    expect(merged).toBe('{"id":7320768196569599275,"view_count":11,"hashtag_names":["climate"],"music_id":null,"region_code":"DE"}');
  });

  it('a complete answer is stored exactly as the platform sent it', () => {
    const answer = '{"id":7320768196569599275,"view_count":12,"hashtag_names":[],"music_id":7000000000000000001}';
    expect(mergeAnswer(stored, answer)).toBe(answer);
  });
});
