import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { lineReader, parseRequest } from './protocol.js';
import type { Store } from './store.js';

export interface ClientConnection {
  /** Ends the connection once every request already received is answered (the server is stopping). */
  endWhenIdle(): void;
}

/** Answers one client connection's requests from `store`. */
export function serveConnection(socket: Socket, store: Store, log: Logger): ClientConnection {
  let inFlight = 0;
  let ending = false;
  const endIfIdle = () => {
    if (ending && inFlight === 0) socket.end();
  };
  const answer = async (line: string) => {
    const request = parseRequest(line);
    if (request === undefined) {
      log.warn({ remote: socket.remoteAddress }, 'malformed request: closing the connection');
      socket.destroy();
      return;
    }
    inFlight++;
    try {
      const value = await store.apply(request);
      socket.write(`${JSON.stringify({ id: request.id, ok: true, value })}\n`);
    } catch (error) {
      log.error({ err: error, op: request.op }, 'request failed');
      socket.write(`${JSON.stringify({ id: request.id, ok: false, error: 'internal error' })}\n`);
    } finally {
      inFlight--;
      endIfIdle();
    }
  };
  socket.on(
    'data',
    lineReader(
      (line) => void answer(line),
      () => socket.destroy(),
    ),
  );
  socket.on('error', (error) => log.debug({ err: error }, 'client connection error'));
  return {
    endWhenIdle() {
      ending = true;
      endIfIdle();
    },
  };
}
