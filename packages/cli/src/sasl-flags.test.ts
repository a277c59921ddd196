import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from './exit-codes.js';
import { run } from './program.js';
import { addSaslFlags, type SaslFlags, saslOptions } from './sasl-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'zkit-cli-sasl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

const PASSWORD = 'pw-5d1c-secret';

function parse(args: readonly string[]): SaslFlags {
  return addSaslFlags(new Command().exitOverride()).parse(args, { from: 'user' }).opts<SaslFlags>();
}

/** What an error thrown by `act` says (it must throw). */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('SASL flags', () => {
  it('are no SASL without a user', () => {
    expect(saslOptions(parse([]), {})).toBeUndefined();
  });

  it('take the password from --sasl-password-file, without its one trailing line end', () => {
    const lf = file('lf', `${PASSWORD}\n`);
    const crlf = file('crlf', `${PASSWORD}\r\n`);
    const bare = file('bare', ` ${PASSWORD} `);
    expect(saslOptions(parse(['--sasl-user', 'alice', '--sasl-password-file', lf]), {})).toEqual({
      username: 'alice',
      password: PASSWORD,
    });
    expect(saslOptions(parse(['--sasl-user', 'a', '--sasl-password-file', crlf]), {})?.password).toBe(
      PASSWORD,
    );
    // Only the line end goes: spaces may be part of a password.
    expect(saslOptions(parse(['--sasl-user', 'a', '--sasl-password-file', bare]), {})?.password).toBe(
      ` ${PASSWORD} `,
    );
  });

  it('read ZKIT_SASL_USER, ZKIT_SASL_PASSWORD_FILE and ZKIT_SASL_PASSWORD; flags win, a file over the bare variable', () => {
    const fromFile = file('env-file', 'from-file');
    expect(saslOptions(parse([]), { ZKIT_SASL_USER: 'bob', ZKIT_SASL_PASSWORD: PASSWORD })).toEqual({
      username: 'bob',
      password: PASSWORD,
    });
    expect(
      saslOptions(parse(['--sasl-user', 'carol']), {
        ZKIT_SASL_USER: 'bob',
        ZKIT_SASL_PASSWORD_FILE: fromFile,
        ZKIT_SASL_PASSWORD: PASSWORD,
      }),
    ).toEqual({ username: 'carol', password: 'from-file' });
  });

  it('refuse a user without a password and a password without a user, naming where it came from', () => {
    expect(messageOf(() => saslOptions(parse(['--sasl-user', 'alice']), {}))).toMatch(
      /SASL user alice needs a password: --sasl-password-file FILE or ZKIT_SASL_PASSWORD/,
    );
    const pw = file('orphan', PASSWORD);
    expect(messageOf(() => saslOptions(parse(['--sasl-password-file', pw]), {}))).toMatch(
      /^--sasl-password-file gives a SASL password but no user/,
    );
    const fromEnv = messageOf(() => saslOptions(parse([]), { ZKIT_SASL_PASSWORD: PASSWORD }));
    expect(fromEnv).toMatch(/^ZKIT_SASL_PASSWORD gives a SASL password but no user/);
    expect(fromEnv).not.toContain(PASSWORD);
  });

  it('refuse a missing or empty password file, naming the file and never its content', () => {
    const missing = join(dir, 'nothing');
    expect(
      messageOf(() => saslOptions(parse(['--sasl-user', 'a', '--sasl-password-file', missing]), {})),
    ).toBe(`--sasl-password-file ${missing}: cannot read the file (ENOENT)`);
    const empty = file('empty', '\n');
    expect(messageOf(() => saslOptions(parse(['--sasl-user', 'a', '--sasl-password-file', empty]), {}))).toBe(
      `--sasl-password-file ${empty}: the file is empty`,
    );
  });
});

describe('--sasl-password', () => {
  it.each([
    [['--sasl-password', PASSWORD, 'ls', '/']],
    [[`--sasl-password=${PASSWORD}`, 'ls', '/']],
    [['ls', '/', `--sasl-password=${PASSWORD}`]],
    [[`--sasl-pasword=${PASSWORD}`, 'ls', '/']],
  ])('%j is refused with exit 2, before connecting, without printing the password', async (args) => {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    try {
      expect(await run(args)).toBe(2);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(written.join('')).toMatch(
      /^zkit: USAGE: (--sasl-password is refused: .*shows in ps|unknown option)/,
    );
    expect(written.join('')).not.toContain(PASSWORD);
  });
});
