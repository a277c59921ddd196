import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { EarlyWorker } from './early-worker.js';

/** Only what EarlyWorker touches: whether it was unref'd and terminated. */
class FakeThread {
  unrefed = false;
  terminated = false;
  unref(): void {
    this.unrefed = true;
  }
  async terminate(): Promise<number> {
    this.terminated = true;
    return 1;
  }
}

const asWorker = (thread: FakeThread): Worker => thread as unknown as Worker;

describe('EarlyWorker', () => {
  it('hands the thread it started to the first spawn, and leaves it running on discard()', () => {
    const thread = new FakeThread();
    let made = 0;
    const early = new EarlyWorker(() => {
      made++;
      return asWorker(thread);
    });
    expect(made).toBe(1);
    expect(early.createWorker()).toBe(thread);
    early.discard();
    expect(thread.terminated).toBe(false);
  });

  it('stops the thread nobody took, without holding the process', () => {
    const thread = new FakeThread();
    const early = new EarlyWorker(() => asWorker(thread));
    early.discard();
    expect(thread.terminated).toBe(true);
    expect(thread.unrefed).toBe(true);
  });

  it('lets the first spawn throw what creating the thread threw, so it is reported there', () => {
    const failure = new Error('no threads left');
    const early = new EarlyWorker(() => {
      throw failure;
    });
    expect(() => early.createWorker()).toThrow(failure);
  });
});
