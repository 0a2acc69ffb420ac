import { describe, expect, it } from 'vitest';
import { ListenerSet } from '../../main/common/listener-set';

describe('ListenerSet', () => {
  it('tells every listener; one that throws or leaves mid-round keeps no one else from hearing', () => {
    const set = new ListenerSet<number>();
    const heard: string[] = [];
    set.add(() => {
      throw new Error('broken window');
    });
    const removeSecond = set.add((value) => {
      heard.push(`second ${value}`);
      removeSecond();
    });
    set.add((value) => heard.push(`third ${value}`));
    set.emit(1);
    set.emit(2);
    expect(heard).toEqual(['second 1', 'third 1', 'third 2']);
    expect(set.size).toBe(2);
    set.clear();
    set.emit(3);
    expect(set.size).toBe(0);
    expect(heard).toHaveLength(3);
  });
});
