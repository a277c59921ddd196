/**
 * The services the service churner works on, shared by the churning process and the test that checks the views:
 *
 *   <base>/s0 ... <base>/s<count-1>                    service nodes (their own data churns too, and must not matter)
 *   <base>/sI/10.0.I.0:8000 ... <base>/sI/10.0.I.9:8009  some of these instances at any time, JSON data mostly
 *   <base>/sI/not-an-instance                        now and then: a child whose name is no HOST:PORT
 *
 * Only volatile services are ever deleted and re-created; a view of any other service must never end.
 */
export const INSTANCES_PER_SERVICE = 10;

/** A child whose name can be no zkit instance: a view leaves it out without reading its data. */
export const NOT_AN_INSTANCE = 'not-an-instance';

export function servicePath(base: string, index: number): string {
  return `${base}/s${index}`;
}

export function instanceId(service: number, instance: number): string {
  return `10.0.${service}.${instance}:${8000 + instance}`;
}

/** Every child name the churn may create under service `index`. */
export function childNames(index: number): string[] {
  return [...Array.from({ length: INSTANCES_PER_SERVICE }, (_, j) => instanceId(index, j)), NOT_AN_INSTANCE];
}

export function isVolatileService(index: number): boolean {
  return index % 5 === 0;
}

/** The index in a path made by `servicePath`, or undefined. */
export function serviceIndexOf(base: string, path: string): number | undefined {
  if (!path.startsWith(`${base}/s`)) return undefined;
  const index = Number(path.slice(base.length + 2));
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}
