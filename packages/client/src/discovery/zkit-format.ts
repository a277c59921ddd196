import { addressName, type JsonObject } from '@zkit/protocol';
import type { Instance, InstanceProblem, ParsedInstance } from './instance.js';

/** A child's data as the worker decoded it: `problem` says why it was not a JSON object. */
export interface ChildData {
  readonly properties: JsonObject;
  readonly problem?: string;
}

/**
 * The address a zkit child's name gives (`HOST:PORT`, IPv6 as `[::1]:80`, as `registerServer` writes it), or why it
 * gives none. Checked before the child's data is read: a child that is no server (say a PM2 process,
 * `pm2-3@host`) costs no watch.
 */
export function zkitAddress(
  id: string,
): { readonly address: string; readonly port: number } | InstanceProblem {
  try {
    addressName(id);
  } catch {
    return { id, problem: 'the name is not HOST:PORT' };
  }
  // addressName accepted it, so the last colon separates a valid host (brackets around an IPv6 one) and port.
  const colon = id.lastIndexOf(':');
  const host = id.slice(0, colon);
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return { address, port: Number(id.slice(colon + 1)) };
}

/**
 * One zkit registration as an instance: the child `HOST:PORT` of the service node `name`, with its JSON object
 * (`pid` and what the server registered) as `data`. `enabled` is false only when the data says `"enabled": false`,
 * so a server can drain itself with `registration.update({ enabled: false })`: listed, never picked.
 */
export function parseZkitInstance(name: string, id: string, data: ChildData): ParsedInstance {
  const at = zkitAddress(id);
  if ('problem' in at) return at;
  if (data.problem !== undefined) return { id, problem: data.problem };
  const instance: Instance = {
    id,
    name,
    address: at.address,
    port: at.port,
    sslPort: null,
    data: data.properties,
    enabled: data.properties.enabled !== false,
    uriSpec: null,
    registrationTime: null,
  };
  return { instance: Object.freeze(instance) };
}
