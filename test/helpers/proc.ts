/** Looking at a running child process through /proc (Linux): what it holds open, what it started. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Whether process `pid` has `file` open. */
export function holdsOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Command lines of a process's children (all threads); empty once it is gone. */
export function childCommands(pid: number): string[] {
  const out: string[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const k of kids) out.push(readFileSync(`/proc/${k}/cmdline`, 'utf8').replace(/\0/g, ' '));
    }
  } catch {
    /* the process is gone */
  }
  return out;
}

/** Process ids of a process's children (all threads); empty once it is gone. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const k of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(k));
    }
  } catch {
    /* the process is gone */
  }
  return out;
}

/** Whether process `pid` runs: not gone, and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
