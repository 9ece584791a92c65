// The state directory's lock: one `npm start` (or local stack) per state directory, since dynalite's
// LevelDB store and the KMS emulator's key files are single-writer. The lock file holds the owner's PID;
// a lock whose PID is gone (a killed process) is taken over, so a crash never needs a manual clean-up.
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateDirInUseError } from './errors.js';

export const LOCK_FILE = 'lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Takes `<stateDir>/lock` for this process and resolves its release function. The PID is written to a
 * private file first and hard-linked into place (link(2) fails with EEXIST), so the lock never exists
 * without its PID. Throws StateDirInUseError when a live process holds it, this one included.
 */
export async function lockStateDir(stateDir: string): Promise<() => Promise<void>> {
  const file = join(stateDir, LOCK_FILE);
  const mine = `${file}.${process.pid}.tmp`;
  await writeFile(mine, `${process.pid}\n`, { mode: 0o600 });
  try {
    return await takeLock(file, mine, stateDir);
  } finally {
    await unlink(mine).catch(() => {});
  }
}

async function takeLock(file: string, mine: string, stateDir: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await link(mine, file);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if ((await ownerOf(file)) === process.pid) await unlink(file).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = await ownerOf(file);
    if (pid !== undefined && isAlive(pid)) throw new StateDirInUseError(stateDir, pid);
    // Stale: its process is gone (killed, crashed). Remove and try again.
    await unlink(file).catch(() => {});
  }
  throw new StateDirInUseError(stateDir, (await ownerOf(file)) ?? 0);
}
