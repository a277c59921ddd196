/** Commander's argument parser for a flag given more than once (`--auth a --auth b`): the values in order. */
export function repeatable(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
