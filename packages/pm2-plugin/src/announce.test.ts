import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  ANNOUNCE_REQUEST_TYPE,
  ANNOUNCE_TYPE,
  announcePort,
  type IpcProcess,
  isAnnounceRequest,
} from './announce.js';

/** A child process's side of an IPC channel: sent messages are recorded; the channel counts its references. */
class FakeProcess extends EventEmitter implements IpcProcess {
  connected = true;
  readonly sent: unknown[] = [];
  refs = 0;
  readonly channel = {
    refCounted: () => this.refs++,
    unrefCounted: () => this.refs--,
  };
  send: IpcProcess['send'] = (message, callback) => {
    if (!this.connected) {
      callback(new Error('channel closed'));
      return false;
    }
    this.sent.push(message);
    callback(null);
    return true;
  };

  constructor() {
    super();
    // Like Node's child side: 'message' listeners reference the channel.
    this.on('newListener', (event) => {
      if (event === 'message') this.refs++;
    });
    this.on('removeListener', (event) => {
      if (event === 'message') this.refs--;
    });
  }
}

/** The packet PM2 hands the app for `sendDataToProcessId(7, { type, topic, data })`. */
const request = { type: ANNOUNCE_REQUEST_TYPE, topic: ANNOUNCE_REQUEST_TYPE, data: {}, id: 7 };

describe('isAnnounceRequest', () => {
  it('knows the request by its type or topic, and nothing else', () => {
    expect(isAnnounceRequest(request)).toBe(true);
    expect(isAnnounceRequest({ topic: ANNOUNCE_REQUEST_TYPE, data: {} })).toBe(true);
    expect(isAnnounceRequest({ type: ANNOUNCE_TYPE, data: { port: 1 } })).toBe(false);
    expect(isAnnounceRequest('shutdown')).toBe(false);
    expect(isAnnounceRequest(null)).toBe(false);
  });
});

describe('announcePort', () => {
  it('announces at once, then again on each request, never on other messages', () => {
    const fake = new FakeProcess();
    announcePort(8080, { version: '1.2.3' }, fake);
    const message = { type: ANNOUNCE_TYPE, data: { version: '1.2.3', port: 8080 } };
    expect(fake.sent).toEqual([message]);

    fake.emit('message', request);
    fake.emit('message', 'shutdown');
    fake.emit('message', { type: 'other' });
    expect(fake.sent).toEqual([message, message]);
  });

  it('keeps the channel unreferenced while listening, and puts the count back when stopped', () => {
    const fake = new FakeProcess();
    const handle = announcePort(80, {}, fake);
    expect(fake.listenerCount('message')).toBe(1);
    expect(fake.refs).toBe(0);
    handle.stop();
    handle.stop();
    expect(fake.listenerCount('message')).toBe(0);
    expect(fake.refs).toBe(0);
    fake.emit('message', request);
    expect(fake.sent).toHaveLength(1);
  });

  it('replaces the earlier announcement of the same process', () => {
    const fake = new FakeProcess();
    announcePort(80, {}, fake);
    announcePort(81, {}, fake);
    expect(fake.listenerCount('message')).toBe(1);
    fake.emit('message', request);
    expect(fake.sent.map((message) => (message as { data: { port: number } }).data.port)).toEqual([
      80, 81, 81,
    ]);
  });

  it('refuses a port that is not an integer 1-65535 with a RangeError (INVALID_PORT), sending nothing', () => {
    const fake = new FakeProcess();
    for (const port of [Number.NaN, 0, -1, 80.5, 65536, Number.POSITIVE_INFINITY, undefined, '8080']) {
      expect(() => announcePort(port as number, {}, fake)).toThrow(
        expect.objectContaining({ name: 'RangeError', code: 'INVALID_PORT' }),
      );
    }
    expect(fake.sent).toEqual([]);
    expect(fake.listenerCount('message')).toBe(0);

    const plain = new FakeProcess();
    plain.send = undefined;
    expect(() => announcePort(0, {}, plain)).toThrow(RangeError);
  });

  it('keeps the earlier announcement when a later call is refused', () => {
    const fake = new FakeProcess();
    announcePort(65535, {}, fake);
    expect(() => announcePort(65536, {}, fake)).toThrow(RangeError);
    expect(fake.listenerCount('message')).toBe(1);
    fake.emit('message', request);
    expect(fake.sent.map((message) => (message as { data: { port: number } }).data.port)).toEqual([
      65535, 65535,
    ]);
  });

  it('does nothing without an IPC channel, and never throws once the channel is closed', () => {
    const plain = new FakeProcess();
    plain.send = undefined;
    using _handle = announcePort(80, {}, plain);
    expect(plain.listenerCount('message')).toBe(0);

    const fake = new FakeProcess();
    announcePort(80, {}, fake);
    fake.connected = false;
    expect(() => fake.emit('message', request)).not.toThrow();
    fake.send = () => {
      throw new Error('EPIPE');
    };
    fake.connected = true;
    expect(() => fake.emit('message', request)).not.toThrow();
    expect(fake.sent).toHaveLength(1);
  });
});
