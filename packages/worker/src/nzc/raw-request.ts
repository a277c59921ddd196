/**
 * Requests node-zookeeper-client 1.1.3 has no record for (it predates them), encoded by hand and sent through its
 * own packet queue, so they take their turn, xid and connection like any other request.
 *
 *   send(queue, frame) ─▶ connectionManager.queue(disguised request) ─▶ toBuffer(): length, xid, real opcode, body
 *   reply ─▶ parsed by the library as PARSE_REPLY_AS (no body read) ─▶ callback ─▶ Reply { error, zxid }
 */

// org.apache.zookeeper.ZooDefs.OpCode
const OP_EXISTS = 3;
export const OP_REMOVE_WATCHES = 18;
const OP_SET_WATCHES = 101;
/**
 * org.apache.zookeeper.Watcher.WatcherType, as removeWatches takes it. 3.6-3.8 know Children, Data and Any only, and
 * keep a recursive watch in both the data and the child table; 3.9+ keep modes apart and take PersistentRecursive.
 */
export const WATCHER_TYPE = { children: 1, data: 2, any: 3, persistentRecursive: 5 } as const;
/**
 * The library parses a reply by its request's `header.type` and destroys the socket for a type it does not know.
 * OpCode.delete's successful reply has no body, so what follows the reply header (addWatch and removeWatches
 * answer ErrorResponse {int err = 0}, exists a Stat) is skipped with the rest of the frame.
 */
const PARSE_REPLY_AS = 2;

/** What ConnectionManager.queue and onPacketQueueReadable read from a request. */
interface WireRequest {
  readonly header: { xid: number; readonly type: number };
  /** queue() calls setChrootPath when the connection string has a chroot. */
  readonly payload: { setChrootPath(chroot: string): void };
  toBuffer(): Buffer;
}

/** node-zookeeper-client's ConnectionManager, as far as sending goes. */
export interface PacketQueue {
  queue(request: WireRequest, callback: (error: unknown, response?: unknown) => void): void;
}

/** A request body, built each time the packet is written (the library assigns the xid just before). */
export type Frame = { readonly opcode: number; readonly body: (chroot: string) => readonly Buffer[] };

export interface Reply {
  /** null on success, else the library's Exception. */
  readonly error: unknown;
  /** The zxid in the reply header: the server's state when it answered. */
  readonly zxid: Buffer | undefined;
}

/** Resolves with the reply; never rejects and never throws into the library. */
export function send(
  queue: PacketQueue,
  frame: () => Frame,
  onReply?: (reply: Reply) => void,
): Promise<Reply> {
  return new Promise((resolve) => {
    try {
      queue.queue(disguised(frame), (error, response) => {
        const reply = { error: error ?? null, zxid: replyZxid(response) };
        try {
          onReply?.(reply);
          resolve(reply);
        } catch (failure) {
          // Inside the library's socket handler: a throw would kill the worker. The caller hears of it instead.
          resolve({ error: failure, zxid: reply.zxid });
        }
      });
    } catch (error) {
      resolve({ error, zxid: undefined });
    }
  });
}

/**
 * A request whose header reads as PARSE_REPLY_AS to the library while toBuffer() writes the real opcode, with the
 * xid the library has just assigned: a packet written again stays the same request.
 */
function disguised(frame: () => Frame): WireRequest {
  const header = { xid: 0, type: PARSE_REPLY_AS };
  let chroot = '';
  const payload = {
    setChrootPath: (path: string) => {
      chroot = path;
    },
  };
  return { header, payload, toBuffer: () => encode(header.xid, frame(), chroot) };
}

/** int length, RequestHeader {int xid; int type}, then the body. */
function encode(xid: number, { opcode, body }: Frame, chroot: string): Buffer {
  const parts = body(chroot);
  const length = parts.reduce((sum, part) => sum + part.length, 8);
  return Buffer.concat([int32(length), int32(xid), int32(opcode), ...parts]);
}

/** AddWatchRequest {ustring path; int mode} and RemoveWatchesRequest {ustring path; int type}. */
export function intRequest(opcode: number, path: string, value: number): Frame {
  return { opcode, body: (chroot) => [ustring(chrooted(chroot, path)), int32(value)] };
}

/** RemoveWatchesRequest {ustring path; int type}: one watch type of this connection on `path`. */
export function removeWatchesRequest(path: string, type: number): Frame {
  return intRequest(OP_REMOVE_WATCHES, path, type);
}

/** ExistsRequest {ustring path; boolean watch = false}: no side effect, NO_NODE at worst. */
export function existsRequest(path: string): Frame {
  return { opcode: OP_EXISTS, body: (chroot) => [ustring(chrooted(chroot, path)), Buffer.of(0)] };
}

/** SetWatches {long relativeZxid; vector<ustring> dataWatches, existWatches, childWatches}. */
export function setWatchesRequest(zxid: Buffer, data: string[], exist: string[], child: string[]): Frame {
  const vector = (chroot: string, paths: string[]) => [
    int32(paths.length),
    ...paths.map((path) => ustring(chrooted(chroot, path))),
  ];
  return {
    opcode: OP_SET_WATCHES,
    body: (chroot) => [zxid, ...vector(chroot, data), ...vector(chroot, exist), ...vector(chroot, child)],
  };
}

/** The server path, as jute's Record.prependChroot makes it. */
export function chrooted(chroot: string, path: string): string {
  return chroot && path === '/' ? chroot : chroot + path;
}

export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

export function ustring(value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([int32(bytes.length), bytes]);
}

function replyZxid(response: unknown): Buffer | undefined {
  const zxid = (response as { header?: { zxid?: unknown } } | undefined)?.header?.zxid;
  return Buffer.isBuffer(zxid) && zxid.length === 8 ? zxid : undefined;
}
