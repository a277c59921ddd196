import { zkError } from './errors.js';
import { ILLEGAL_PATH_CHARS } from './paths.js';

/** `[host, port]` or `'host:port'` (IPv6 as `'[::1]:8080'`), as zc.zk's address tuple. */
export type Address = readonly [host: string, port: number] | string;

/** Turns an address into the node name `HOST:PORT`; throws INVALID_ADDRESS. */
export function addressName(address: unknown): string {
  const [host, port] = splitAddress(address);
  if (typeof host !== 'string' || host.trim() === '' || host !== host.trim() || /[/\s]/.test(host)) {
    throw invalidAddress(address, 'the host must be a non-empty name without spaces or "/"');
  }
  if (ILLEGAL_PATH_CHARS.test(host)) throw invalidAddress(address, 'the host holds a control character');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidAddress(address, 'the port must be an integer from 1 to 65535');
  }
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function splitAddress(address: unknown): [unknown, unknown] {
  if (Array.isArray(address)) {
    if (address.length !== 2) throw invalidAddress(address, 'expected [host, port]');
    return [address[0], address[1]];
  }
  if (typeof address !== 'string') throw invalidAddress(address, "expected [host, port] or 'host:port'");
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  if (match === null) throw invalidAddress(address, "expected 'host:port'");
  return [match[1] ?? match[2], Number(match[3])];
}

function invalidAddress(address: unknown, why: string) {
  let shown: string;
  try {
    shown = JSON.stringify(address) ?? typeof address;
  } catch {
    shown = typeof address;
  }
  return zkError('INVALID_ADDRESS', `invalid server address ${shown}: ${why}`);
}
