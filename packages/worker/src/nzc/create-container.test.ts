import zookeeper, { type Client } from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { createContainer } from './create-container.js';

// The library builds its exceptions with Exception.create, which @types/node-zookeeper-client does not declare.
const { create } = zookeeper.Exception as unknown as { create(code: number): Error };

/** A client whose packet queue records each request's bytes and answers with `error` (null: success). */
function fakeClient(error: unknown) {
  const sent: Buffer[] = [];
  const connectionManager = {
    queue(request: { header: { xid: number }; toBuffer(): Buffer }, callback: (error: unknown) => void) {
      request.header.xid = 7;
      sent.push(request.toBuffer());
      callback(error);
    },
  };
  return { client: { connectionManager } as unknown as Client, sent };
}

const OPEN = [{ perms: 31, scheme: 'world', id: 'anyone' }];

describe('createContainer', () => {
  it('sends CreateRequest with flags CONTAINER under opcode 19, data empty', async () => {
    const { client, sent } = fakeClient(null);

    await expect(createContainer(client, '/a', OPEN)).resolves.toBe(true);

    const expected = Buffer.concat([
      int32(7), // xid
      int32(19), // OpCode.createContainer
      int32(2),
      Buffer.from('/a'), // path
      int32(0), // data: empty
      int32(1),
      int32(31),
      int32(5),
      Buffer.from('world'),
      int32(6),
      Buffer.from('anyone'), // one ACL
      int32(4), // CreateMode.CONTAINER
    ]);
    expect(sent).toEqual([Buffer.concat([int32(expected.length), expected])]);
  });

  it('resolves false where the server does not know containers (UNIMPLEMENTED, before 3.5.3)', async () => {
    const { client } = fakeClient(create(zookeeper.Exception.UNIMPLEMENTED));
    await expect(createContainer(client, '/a', OPEN)).resolves.toBe(false);
  });

  it('rejects with a ZkError as a create would', async () => {
    const { client } = fakeClient(create(zookeeper.Exception.NODE_EXISTS));
    await expect(createContainer(client, '/a', OPEN)).rejects.toMatchObject({
      code: 'NODE_EXISTS',
      path: '/a',
    });
  });
});

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
