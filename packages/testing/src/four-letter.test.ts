import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fourLetterWord, parseSrvr, splitAddress } from './four-letter.js';
import { freePorts } from './ports.js';

const LEADER = `Zookeeper version: 3.9.2-e454e8c7, built on 2024-02-12 20:59 UTC
Latency min/avg/max: 0/0.0/0
Received: 4
Sent: 3
Connections: 1
Outstanding: 0
Zxid: 0x100000002
Mode: leader
Node count: 5
Proposal sizes last/min/max: -1/-1/-1
`;

describe('parseSrvr', () => {
  it('reads mode, zxid, node count and version', () => {
    expect(parseSrvr(LEADER)).toEqual({
      serving: true,
      mode: 'leader',
      zxid: 0x100000002n,
      nodeCount: 5,
      version: '3.9.2-e454e8c7, built on 2024-02-12 20:59 UTC',
    });
  });

  it.each(['standalone', 'follower', 'observer', 'read-only'])('knows Mode: %s', (mode) => {
    expect(parseSrvr(LEADER.replace('Mode: leader', `Mode: ${mode}`))).toMatchObject({ serving: true, mode });
  });

  it('says not serving for a member without quorum', () => {
    const text = 'This ZooKeeper instance is not currently serving requests\n';
    expect(parseSrvr(text)).toEqual({ serving: false, reason: text.trim() });
  });

  it('says not serving when srvr is not whitelisted, or the answer is empty', () => {
    expect(parseSrvr('srvr is not executed because it is not in the whitelist.\n')).toMatchObject({
      serving: false,
      reason: expect.stringContaining('whitelist'),
    });
    expect(parseSrvr('')).toEqual({ serving: false, reason: 'empty answer' });
  });
});

describe('splitAddress', () => {
  it('splits host:port and [v6]:port, and refuses anything else', () => {
    expect(splitAddress('127.0.0.1:2181')).toEqual({ host: '127.0.0.1', port: 2181 });
    expect(splitAddress('[::1]:2181')).toEqual({ host: '::1', port: 2181 });
    expect(() => splitAddress('localhost')).toThrow(TypeError);
    expect(() => splitAddress('host:99999')).toThrow(TypeError);
  });
});

describe('fourLetterWord', () => {
  it('sends the word and resolves with everything the server wrote before closing', async () => {
    const server = createServer((socket) => {
      socket.once('data', (word) => socket.end(`you said ${word.toString()}\n`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(await fourLetterWord(`127.0.0.1:${port}`, 'ruok')).toBe('you said ruok\n');
    } finally {
      server.close();
    }
  });

  it('rejects with FOUR_LETTER_WORD_FAILED when nothing listens', async () => {
    const [port] = await freePorts(1);
    await expect(fourLetterWord(`127.0.0.1:${port}`, 'srvr')).rejects.toMatchObject({
      code: 'FOUR_LETTER_WORD_FAILED',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('rejects after its timeout when the server never answers', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await expect(fourLetterWord(`127.0.0.1:${port}`, 'srvr', { timeout: 100 })).rejects.toMatchObject({
        code: 'FOUR_LETTER_WORD_FAILED',
        message: expect.stringContaining('no answer within 100 ms'),
      });
    } finally {
      server.close();
    }
  });
});
