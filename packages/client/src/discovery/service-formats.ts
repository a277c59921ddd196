import { splitPath, zkError } from '@zkit/protocol';
import { parseCuratorInstance } from './curator-format.js';
import type { ServiceFormat } from './instance.js';
import type { ServiceFormatReader } from './service-follower.js';
import { parseZkitInstance, zkitAddress } from './zkit-format.js';

/**
 * How a services view of `path` reads its children in `format`. Data that was not a JSON object is refused here
 * for both formats (the worker decoded it to `{ string_value }`, which no format should take for an instance).
 */
export function formatReader(format: unknown, path: string): ServiceFormatReader {
  const [, name] = splitPath(path);
  switch (format) {
    case 'zkit':
      return {
        checkName: (id) => {
          const at = zkitAddress(id);
          return 'problem' in at ? at : undefined;
        },
        parse: (id, data) => parseZkitInstance(name, id, data),
      };
    case 'curator':
      return {
        checkName: () => undefined,
        parse: (id, data) =>
          data.problem === undefined
            ? parseCuratorInstance(id, data.properties, name)
            : { id, problem: data.problem },
      };
    default:
      throw zkError('INVALID_OPTION', `format must be 'zkit' or 'curator', not ${JSON.stringify(format)}`);
  }
}

export type { ServiceFormat };
