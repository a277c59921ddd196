/**
 * Copies a full run's results into bench/README.md, and its summary into the top-level README, between markers,
 * so the figures the READMEs record are always one run's own (never typed in by hand). Only a full run into the
 * default results folder does this.
 */
import { readFile, writeFile } from 'node:fs/promises';

export async function recordInReadme(readmePath: string, markdown: string, chart: string): Promise<void> {
  // The results file starts with its own title; the README has one already.
  // Its sections go one level down, under the README's own Results heading.
  const body = markdown
    .replace(/^# .*\n/, '')
    .replace(/^## /gm, '### ')
    .replaceAll(`](${chart})`, `](results/${chart})`)
    .replaceAll('](profile-', '](results/profile-');
  return replaceBetween(readmePath, 'results', body);
}

export function recordSummary(readmePath: string, summary: string): Promise<void> {
  return replaceBetween(readmePath, 'bench-summary', summary);
}

/** Throws when the markers are missing: the run was asked to record its figures there. */
async function replaceBetween(path: string, name: string, body: string): Promise<void> {
  const start = `<!-- ${name}:start (written by the full bench run; do not edit) -->`;
  const end = `<!-- ${name}:end -->`;
  const text = await readFile(path, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${path} has no ${start} ... ${end} markers`);
  await writeFile(path, `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`);
}
