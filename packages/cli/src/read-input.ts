import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';

/** The text of FILE, or of stdin when FILE is `-` (so `zkit export | zkit import -` works). */
export function readInput(file: string): Promise<string> {
  return file === '-' ? text(process.stdin) : readFile(file, 'utf8');
}
