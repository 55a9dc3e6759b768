// A cross-process lock for installs into ~/.cache/baton: `npm start`, CI and a test run may
// all ask for the same install at once. The lock is a directory holding its owner's pid; a
// lock whose owner died (and that is not brand new) is taken over.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `action` while holding the lock directory `lock`; `log` says whom it waits for. */
export function withInstallLock(lock, what, log, action) {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The owner may not have written its pid yet; a young lock counts as alive.
      }
      const young = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 5000;
      if (!young && !(owner > 0 && pidAlive(owner))) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      log(`waiting for the ${what} install running in process ${owner}`);
      spawnSync('sleep', ['3']);
    }
  }
  try {
    return action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
