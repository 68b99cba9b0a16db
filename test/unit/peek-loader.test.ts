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

  test('fill keeps what another statement read, null included, for peek, load and prefetch, without a read; a known key keeps its value; clear forgets it', async () => {
    const { loader, batches } = make();
    await loader.load('a');
    loader.fill('a', 'other');
    loader.fill('f', 'filled');
    loader.fill('n', null);
    expect([loader.peek('a'), loader.peek('f'), loader.peek('n')]).toEqual(['a@1', 'filled', null]);
    expect(await loader.loadMany(['a', 'f', 'n'])).toEqual(['a@1', 'filled', null]);
    await loader.prefetch(['f', 'n', 'b']);
    expect(batches).toEqual([['a'], ['b']]);
    loader.clear('f');
    expect(loader.peek('f')).toBeUndefined();
    expect(await loader.load('f')).toBe('f@1');
    expect(batches).toEqual([['a'], ['b'], ['f']]);
  });

  test('a key filled while a prefetch reads it keeps the filled value: the read does not replace it', async () => {
    const { loader, batches } = make();
    const read = loader.prefetch(['a']);
    loader.fill('a', 'filled');
    await read;
    expect([loader.peek('a'), await loader.load('a')]).toEqual(['filled', 'filled']);
    expect(batches).toEqual([['a']]);
  });

  test('prefetch reads the keys not known yet in one batch, each once, and they are peeked and loaded without reading again', async () => {
    const { loader, batches } = make();
    await loader.load('a');
    await loader.prefetch(['b', 'a', 'c', 'b', 'missing']);
    expect([loader.peek('a'), loader.peek('b'), loader.peek('c'), loader.peek('missing')]).toEqual(['a@1', 'b@1', 'c@1', null]);
    expect(await loader.loadMany(['b', 'c', 'missing'])).toEqual(['b@1', 'c@1', null]);
    await loader.prefetch(['a', 'b']);
    expect(batches).toEqual([['a'], ['b', 'c', 'missing']]);
  });

  test('a key another prefetch is reading is waited for, by prefetch and by load, not read twice', async () => {
    const { loader, batches } = make();
    const first = loader.prefetch(['a', 'b']);
    const second = loader.prefetch(['b', 'c']);
    const loaded = loader.load('a');
    expect(loader.peek('a')).toBeUndefined();
    await Promise.all([first, second]);
    expect([await loaded, loader.peek('b'), loader.peek('c')]).toEqual(['a@1', 'b@1', 'c@1']);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  test('a key cleared while a prefetch reads it is not filled in by that read: the next load reads it again', async () => {
    const { loader, batches, bump } = make();
    const read = loader.prefetch(['a', 'b']);
    loader.clear('a');
    bump();
    await read;
    expect([loader.peek('a'), loader.peek('b')]).toEqual([undefined, 'b@1']);
    expect(await loader.load('a')).toBe('a@2');
    expect(batches).toEqual([['a', 'b'], ['a']]);
  });

  test('a prefetch whose read fails leaves nothing to peek; a load of the key reads it itself and answers the error', async () => {
    let fail = true;
    const batches: string[][] = [];
    const loader = new PeekLoader<string, string>(async (keys) => {
      batches.push([...keys]);
      if (fail) throw new Error('the statement failed');
      return keys.map((k) => `${k}!`);
    });
    await expect(loader.prefetch(['a', 'b'])).resolves.toBeUndefined();
    expect(loader.peek('a')).toBeUndefined();
    await expect(loader.load('a')).rejects.toThrow('the statement failed');
    fail = false;
    loader.clear('a');
    expect(await loader.load('a')).toBe('a!');
    expect(batches).toEqual([['a', 'b'], ['a'], ['a']]);
  });

  test('an Error the batch gives for one key is never peeked: every load of that key rejects with it, as DataLoader does', async () => {
    const loader = new PeekLoader<string, string | Error>(async (keys) => keys.map((k) => (k === 'bad' ? new Error(`no ${k}`) : `${k}@1`)));
    await expect(loader.load('bad')).rejects.toThrow('no bad');
    expect([loader.peek('bad'), await loader.load('ok')]).toEqual([undefined, 'ok@1']);
    await expect(loader.load('bad')).rejects.toThrow('no bad');
  });
});
