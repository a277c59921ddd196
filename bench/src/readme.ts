/**
 * Copies a full run's results into bench/README.md, between two markers, so the figures the README records are
 * always one run's own (never typed in by hand). Only a full run into the default results folder does this.
 */
import { readFile, writeFile } from 'node:fs/promises';

const START = '<!-- results:start (written by the full bench run; do not edit) -->';
const END = '<!-- results:end -->';

export async function recordInReadme(readmePath: string, markdown: string, chart: string): Promise<boolean> {
  const readme = await readFile(readmePath, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from === -1 || to < from) return false;
  // The results file starts with its own title; the README has one already.
  // Its sections go one level down, under the README's own Results heading.
  const body = markdown
    .replace(/^# .*\n/, '')
    .replace(/^## /gm, '### ')
    .replaceAll(`](${chart})`, `](results/${chart})`);
  await writeFile(readmePath, `${readme.slice(0, from + START.length)}\n${body.trim()}\n${readme.slice(to)}`);
  return true;
}
