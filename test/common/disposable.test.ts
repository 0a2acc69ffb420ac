/** DisposableStore: one owner that undoes everything it holds, once. */
import { describe, expect, it } from 'vitest';
import { DisposableStore, toDisposable } from '../../main/common/disposable';

describe('DisposableStore', () => {
  it('disposes of everything it holds once, newest first', () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.add(toDisposable(() => order.push('first')));
    store.add(toDisposable(() => order.push('second')));
    expect(store.size).toBe(2);
    store.dispose();
    store.dispose();
    expect(order).toEqual(['second', 'first']);
    expect(store.isDisposed).toBe(true);
    expect(store.size).toBe(0);
  });

  it('disposes at once of what is added after it was disposed', () => {
    const store = new DisposableStore();
    store.dispose();
    let undone = 0;
    store.add(toDisposable(() => undone++));
    expect(undone).toBe(1);
    expect(store.size).toBe(0);
  });

  it('goes on past one that throws, then throws the first error', () => {
    const store = new DisposableStore();
    let undone = 0;
    store.add(toDisposable(() => undone++));
    store.add(
      toDisposable(() => {
        throw new Error('first');
      }),
    );
    store.add(
      toDisposable(() => {
        throw new Error('second');
      }),
    );
    expect(() => store.dispose()).toThrow('second');
    expect(undone).toBe(1);
  });
});
