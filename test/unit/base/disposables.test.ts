import { describe, expect, it } from 'vitest';
import { DisposableStore } from '../../../src-main/base/disposables';

describe('DisposableStore', () => {
  it('ends everything once, newest first, waiting for each; a failure does not stop the rest', async () => {
    const store = new DisposableStore();
    const ended: string[] = [];
    store.add(() => void ended.push('lock'));
    store.add(() => {
      throw new Error('database would not close');
    });
    store.add(async () => {
      await new Promise((r) => setTimeout(r, 10));
      ended.push('jobs');
    });
    store.add(() => void ended.push('terminal'));
    await expect(store.dispose()).rejects.toThrow('database would not close');
    expect(ended).toEqual(['terminal', 'jobs', 'lock']);
    await store.dispose();
    expect(ended).toHaveLength(3);
    expect(() => store.add(() => undefined)).toThrow(/after dispose/);
  });

  it('ends a half-built root at once, without waiting, and swallows failures', () => {
    const store = new DisposableStore();
    const ended: string[] = [];
    store.add(() => void ended.push('lock'));
    store.add(async () => {
      throw new Error('late');
    });
    store.add(() => {
      throw new Error('sync');
    });
    store.add(() => void ended.push('pool'));
    store.disposeSync();
    expect(ended).toEqual(['pool', 'lock']);
    expect(store.isDisposed).toBe(true);
  });
});
