import { PeekLoader } from '../../src/data/batch';

/** PeekLoader answers synchronously only with what this request loaded, and forgets what is cleared. */
describe('PeekLoader', () => {
  const make = () => {
    const batches: string[][] = [];
    let version = 1;
    const loader = new PeekLoader<string, string | null>(async (keys) => {
      batches.push([...keys]);
      return keys.map((k) => (k === 'missing' ? null : `${k}@${version}`));
    });
    return { loader, batches, bump: () => version++ };
  };

  test('nothing is peeked before it is loaded; a batch makes every key of it peekable, nulls included', async () => {
    const { loader, batches } = make();
    expect(loader.peek('a')).toBeUndefined();
    await loader.loadMany(['a', 'b', 'missing']);
    expect([loader.peek('a'), loader.peek('b'), loader.peek('missing'), loader.peek('c')]).toEqual(['a@1', 'b@1', null, undefined]);
    expect(batches).toEqual([['a', 'b', 'missing']]);
  });

  test('a cleared key is forgotten by the peek and by the cache: the next load reads it again', async () => {
    const { loader, batches, bump } = make();
    await loader.load('a');
    bump();
    loader.clear('a');
    expect(loader.peek('a')).toBeUndefined();
    expect(await loader.load('a')).toBe('a@2');
    expect(loader.peek('a')).toBe('a@2');
    loader.clearAll();
    expect(loader.peek('a')).toBeUndefined();
    expect(batches).toEqual([['a'], ['a']]);
  });

  test('prime makes a value peekable unless the key is already known, as DataLoader keeps the first value', async () => {
    const { loader, batches } = make();
    loader.prime('p', 'primed');
    expect(loader.peek('p')).toBe('primed');
    expect(await loader.load('p')).toBe('primed');
    await loader.load('a');
    loader.prime('a', 'other');
    expect([loader.peek('a'), await loader.load('a')]).toEqual(['a@1', 'a@1']);
    loader.prime('e', new Error('no'));
    expect(loader.peek('e')).toBeUndefined();
    expect(batches).toEqual([['a']]);
  });
});
