import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { CoalescingPort } from './coalescing-port.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

function pair(): { left: CoalescingPort; right: CoalescingPort; raw: unknown[] } {
  const channel = new MessageChannel();
  channels.push(channel);
  const raw: unknown[] = [];
  channel.port2.on('message', (data: unknown) => raw.push(data));
  return { left: new CoalescingPort(channel.port1), right: new CoalescingPort(channel.port2), raw };
}

function receive(port: CoalescingPort, count: number): Promise<unknown[]> {
  const seen: unknown[] = [];
  return new Promise((resolve) => {
    port.onMessage((data) => {
      seen.push(data);
      if (seen.length === count) resolve(seen);
    });
  });
}

describe('CoalescingPort', () => {
  it('sends what one turn posts as one message, delivered one by one in order', async () => {
    const { left, right, raw } = pair();
    const received = receive(right, 3);
    left.post({ n: 1 });
    left.post({ n: 2 });
    await Promise.resolve(); // a microtask later is still the same turn
    left.post({ n: 3 });
    expect(await received).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(raw).toHaveLength(1);
  });

  it('sends a lone message as itself, and later turns separately', async () => {
    const { left, right, raw } = pair();
    const first = receive(right, 1);
    left.post('alone');
    expect(await first).toEqual(['alone']);
    const second = receive(right, 1);
    left.post('next');
    await second;
    expect(raw).toEqual(['alone', 'next']);
  });

  it('speaks comlink’s endpoint: listeners get events, removed ones get nothing', async () => {
    const { left, right } = pair();
    const endpoint = right.endpoint();
    const heard: unknown[] = [];
    const listener = (event: Event): void => void heard.push((event as MessageEvent).data);
    endpoint.addEventListener('message', listener);
    const both = receive(right, 2);
    left.endpoint().postMessage('a');
    left.post('b');
    await both;
    endpoint.removeEventListener('message', listener);
    const last = receive(right, 1);
    left.post('c');
    await last;
    expect(heard).toEqual(['a', 'b']);
  });
});
