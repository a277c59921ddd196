import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutcomeApi, settlingApi, unwrapOutcome } from './outcome.js';
import { CoalescingPort, type PortMessageEvent } from './port.js';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

function pair(): {
  left: CoalescingPort;
  right: CoalescingPort;
  raw: unknown[];
  errors: { left: unknown[]; right: unknown[] };
} {
  const channel = new MessageChannel();
  channels.push(channel);
  const raw: unknown[] = [];
  channel.port2.on('message', (data: unknown) => raw.push(data));
  const errors = { left: [] as unknown[], right: [] as unknown[] };
  return {
    left: new CoalescingPort(channel.port1, (error) => errors.left.push(error)),
    right: new CoalescingPort(channel.port2, (error) => errors.right.push(error)),
    raw,
    errors,
  };
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
    const listener = (event: PortMessageEvent): void => void heard.push(event.data);
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

  it('still sends the rest of a batch when one message cannot be cloned, and says so', async () => {
    const { left, right, errors } = pair();
    const received = receive(right, 2);
    left.post({ n: 1 });
    left.post({ n: 2, callback: () => {} });
    left.post({ n: 3 });
    expect(await received).toEqual([{ n: 1 }, { n: 3 }]);
    expect(errors.left).toEqual([expect.objectContaining({ code: 'INVALID_DATA' })]);
  });

  it('answers a comlink call whose arguments or reply cannot cross with a coded error, not silence', async () => {
    interface Api {
      echo(value: unknown): Promise<unknown>;
      callback(): Promise<unknown>;
    }
    const { left, right } = pair();
    const service: Api = { echo: async (value) => value, callback: async () => () => {} };
    expose(settlingApi(service), right.endpoint());
    const api = wrap<OutcomeApi<Api>>(left.endpoint());

    await expect(api.echo(() => {}).then(unwrapOutcome)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(api.callback().then(unwrapOutcome)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    expect(unwrapOutcome(await api.echo('still fine'))).toBe('still fine');
  });

  it('delivers the rest of a batch to every listener when one listener throws', async () => {
    const { left, right, errors } = pair();
    right.onMessage(() => {
      throw new Error('listener failed');
    });
    const received = receive(right, 2);
    left.post('a');
    left.post('b');
    expect(await received).toEqual(['a', 'b']);
    expect(errors.right).toHaveLength(2);
  });
});
