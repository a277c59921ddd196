import {
  encodeJsonObject,
  isPlainObject,
  type JsonObject,
  type RegisterRequest,
  zkError,
} from '@zkit/protocol';
import type { CallOptions } from '../thread/abortable.js';
import type { RegistrationUpdateOptions, ServerData } from './registration.js';

/**
 * How a registration's data becomes its node's bytes: zkit's `{...data, pid}` (serverCodec) or Curator's instance
 * JSON (discovery/register-instance.ts). A registration keeps its codec for life, so `update(data)` writes the same
 * format, and what it writes is the RegisterRequest a replacement worker restores byte for byte.
 */
export interface RegistrationCodec<Data, Options extends CallOptions> {
  /** How the worker makes missing parents. */
  readonly parents: NonNullable<RegisterRequest['parents']>;
  /**
   * What `registration.data` shows, and the node's JSON, for `data` as the caller gave it (unchecked). `previous`
   * is what the registration holds now (undefined for the first write). Throws a typed error for bad input.
   */
  encode(data: unknown, options: Options | undefined, context: EncodeContext<Data>): Encoded<Data>;
}

export interface EncodeContext<Data> {
  readonly path: string;
  readonly maxDataBytes: number;
  readonly previous: Data | undefined;
}

export interface Encoded<Data> {
  readonly data: Data;
  readonly json: string;
}

/**
 * zkit's registrations: the data plus `pid` (options.pid, else the pid of the previous write, else this process's),
 * missing parents persistent.
 */
export const serverCodec: RegistrationCodec<ServerData, RegistrationUpdateOptions> = {
  parents: 'persistent',
  encode(data, options, { path, maxDataBytes, previous }) {
    const pid = options?.pid ?? previous?.pid ?? process.pid;
    if (!isPlainObject(data)) {
      throw zkError('INVALID_DATA', 'registration data must be a plain object', { path });
    }
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) {
      throw zkError('INVALID_OPTION', 'option pid must be a positive integer', { path });
    }
    const full: ServerData = Object.freeze({ ...(data as JsonObject), pid });
    return { data: full, json: encodeJsonObject(full, maxDataBytes, path) };
  },
};
