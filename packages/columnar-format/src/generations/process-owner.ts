/**
 * Who owns a lease or a temp folder of a dataset (FORMAT.md, "Leases"): a process id plus the process's
 * start time, so that a recycled pid never keeps a dead process's lease alive.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * An owner token `<pid>-<startTicks>-<random>`: the pid, the process start time in clock ticks since boot
 * (field 22 of Linux `/proc/<pid>/stat`; `0` where `/proc` is unavailable, then only the pid is checked)
 * and 8 random hex digits that make tokens of one process unique. Only `[0-9a-f-]` characters, so it is
 * safe in file names.
 */
export type OwnerToken = string;

/** Parsed {@link OwnerToken}. */
export interface Owner {
  pid: number;
  /** Process start time, clock ticks since boot, as a decimal string; `'0'` when unknown. */
  startTicks: string;
}

const OWNER_PATTERN = /^([1-9][0-9]{0,9})-([0-9]{1,20})-[0-9a-f]{8}$/;

let ownStartTicks: string | undefined;

/**
 * Start time of process `pid` in clock ticks since boot (Linux `/proc/<pid>/stat` field 22, after the
 * parenthesised command name, which may itself contain spaces and parentheses); `'0'` when unknown.
 * `undefined` when the process does not exist.
 */
export function processStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return undefined;
    return '0';
  }
  // Fields after the command name: state(3) ppid(4) ... starttime(22) → index 19 of the rest.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] !== undefined && /^[0-9]+$/.test(rest[19]) ? rest[19] : '0';
}

/** A fresh owner token for this process (see {@link OwnerToken}). */
export function newOwnerToken(): OwnerToken {
  ownStartTicks ??= processStartTicks(process.pid) ?? '0';
  return `${process.pid}-${ownStartTicks}-${randomBytes(4).toString('hex')}`;
}

/** Parses an owner token; `undefined` when `token` is not one. */
export function parseOwnerToken(token: string): Owner | undefined {
  const m = OWNER_PATTERN.exec(token);
  return m === null ? undefined : { pid: Number(m[1]), startTicks: m[2]! };
}

/**
 * True while the owner's process runs on this host: `kill(pid, 0)` succeeds (or fails with EPERM: the
 * process exists under another user) and, when both are known, its start time equals the recorded one.
 * A lease written on another host (see {@link LEASE_HOST_FIELD}) cannot be checked and counts as alive.
 */
export function isOwnerAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTicks === '0') return true;
  const now = processStartTicks(owner.pid);
  return now === undefined ? false : now === '0' || now === owner.startTicks;
}

/** Host name recorded in each lease file; leases of another host are never treated as stale. */
export const LEASE_HOST_FIELD = 'host';

/** This machine's host name (`os.hostname()`), as recorded in lease files. */
export function thisHost(): string {
  return hostname();
}
