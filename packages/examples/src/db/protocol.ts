/**
 * The storage protocol between database-client and database-server: one JSON object per line over TCP, each
 * request answered by a response with the same `id` (answers may come in any order).
 *
 *   client --{"id":1,"op":"incr","key":"hits"}\n--> server
 *   client <--{"id":1,"ok":true,"value":7}\n------- server
 */
import type { JsonValue } from '@zkit/client';

export type DbOperation =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: JsonValue }
  | { readonly op: 'incr'; readonly key: string };

export type DbRequest = DbOperation & { readonly id: number };

export type DbResponse =
  | { readonly id: number; readonly ok: true; readonly value: JsonValue }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Longest line either side accepts: a guard against a peer that never sends a newline. */
export const MAX_LINE_BYTES = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one request line; undefined when it is not a well-formed request. */
export function parseRequest(line: string): DbRequest | undefined {
  const message = parseLine(line);
  if (!isRecord(message) || typeof message.id !== 'number' || typeof message.key !== 'string')
    return undefined;
  const { id, key } = message;
  switch (message.op) {
    case 'get':
    case 'incr':
      return { id, op: message.op, key };
    case 'put':
      return message.value === undefined
        ? undefined
        : { id, op: 'put', key, value: message.value as JsonValue };
    default:
      return undefined;
  }
}

/** Parses one response line; undefined when it is not a well-formed response. */
export function parseResponse(line: string): DbResponse | undefined {
  const message = parseLine(line);
  if (!isRecord(message) || typeof message.id !== 'number') return undefined;
  if (message.ok === true && message.value !== undefined) {
    return { id: message.id, ok: true, value: message.value as JsonValue };
  }
  if (message.ok === false && typeof message.error === 'string') {
    return { id: message.id, ok: false, error: message.error };
  }
  return undefined;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Splits a byte stream into lines; calls `onLine` for each complete one. */
export function lineReader(onLine: (line: string) => void, onOverflow: () => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString('utf8');
    let newline = rest.indexOf('\n');
    while (newline !== -1) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line.trim() !== '') onLine(line);
      newline = rest.indexOf('\n');
    }
    if (rest.length > MAX_LINE_BYTES) onOverflow();
  };
}
