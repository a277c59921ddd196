import { splitPath, zkError } from '@zkit/protocol';
import { parseCuratorInstance } from './curator-format.js';
import type { InstanceProblem, ParsedInstance, ServiceFormat } from './instance.js';
import { type ChildData, parseZkitInstance, zkitAddress } from './zkit-format.js';

/** How one format reads a child: `checkName` first (no data read when it fails), then `parse` with the data. */
export interface ServiceFormatReader {
  checkName(id: string): InstanceProblem | undefined;
  parse(id: string, data: ChildData): ParsedInstance;
}

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
