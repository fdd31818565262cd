import { idToString, idToWire, parseJson, stringifyJson } from '../../lib/domain/json';

describe('lossless JSON', () => {
  it('keeps 19-digit ids exact through parse and stringify', () => {
    // Prepare
    const text = '{"id":7320768196569599275,"like_count":12,"ratio":0.5,"ids":[7320768196569599276]}';
    // Act
    const value = parseJson(text) as { id: bigint; like_count: number; ratio: number; ids: bigint[] };
    // Assess
    expect(value.id).toBe(7320768196569599275n);
    expect(value.like_count).toBe(12);
    expect(value.ratio).toBe(0.5);
    expect(stringifyJson(value)).toBe(text);
    expect(String(JSON.parse(text).id)).not.toBe('7320768196569599275'); // the naive parse is lossy
  });

  it('converts ids between wire and program form', () => {
    expect(idToString(7320768196569599275n)).toBe('7320768196569599275');
    expect(idToWire('7320768196569599275')).toBe(7320768196569599275n);
    expect(() => idToString(7320768196569599275)).toThrow(/lost precision/);
  });

  it('rejects invalid JSON with a SyntaxError', () => {
    expect(() => parseJson('{"id": 1,')).toThrow(SyntaxError);
  });
});
