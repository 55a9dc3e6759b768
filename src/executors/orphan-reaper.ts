/**
 * Step processes run in their own process group (so a timeout or cancel can kill the whole
 * tree), which also lets them outlive the process that started them: when VS Code's extension
 * host or `baton run` is SIGKILLed nobody is left to stop them. The orphan reaper closes that
 * hole with one small `sh` per engine process (not one per step): it is started with the first
 * step, in its own session so a kill of our process group does not take it along, and reads
 * `+<pgid>` / `-<pgid>` lines on a pipe. The pipe closes when this process dies for any reason;
 * the reaper then sends SIGTERM to every group still registered and SIGKILL after a grace.
 *
 * Cost on the step path: one short pipe write when a step starts and one when it ends.
 * Descendants that left their group (setsid) are not covered; runProcess's TreeKiller finds
 * those by pid when Baton itself stops a step. Windows has no process groups: a no-op there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** Time between the reaper's SIGTERM and SIGKILL of orphaned groups. */
export const ORPHAN_KILL_GRACE_SECONDS = 3;

// POSIX sh with builtins only while it waits: the set of groups is a space-separated string.
// `kill -s SIG -- -pgid` signals a whole group (dash and bash both accept this form).
const REAPER_SCRIPT = `
groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) id=\${line#-}
        case $groups in *" $id "*) groups="\${groups%% $id *} \${groups#* $id }" ;; esac ;;
  esac
done
case $groups in *[0-9]*) ;; *) exit 0 ;; esac
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
sleep "$1"
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`;

class OrphanReaper {
  private child: ChildProcess | undefined;
  private readonly groups = new Set<number>();

  /** Registers a process group; the returned function forgets it (call it once the group is gone). */
  track(pgid: number): () => void {
    this.groups.add(pgid);
    // A reaper that died (killed by someone) is replaced with every group still tracked.
    if (this.child) this.write(`+${pgid}\n`);
    else this.start();
    return () => {
      if (this.groups.delete(pgid) && this.child) this.write(`-${pgid}\n`);
    };
  }

  private write(lines: string): void {
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(lines);
  }

  private start(): void {
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', REAPER_SCRIPT, 'baton-orphan-reaper', String(ORPHAN_KILL_GRACE_SECONDS)], {
        cwd: '/',
        env: { PATH: '/usr/bin:/bin' },
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
    } catch {
      return;
    }
    this.child = child;
    // The reaper must never keep this process alive, nor its pipe the event loop.
    child.unref();
    (child.stdin as Socket | null)?.unref();
    child.stdin?.on('error', () => undefined);
    child.once('error', () => this.forget(child));
    child.once('exit', () => this.forget(child));
    this.write([...this.groups].map((pgid) => `+${pgid}\n`).join(''));
  }

  private forget(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
  }
}

let reaper: OrphanReaper | undefined;

/**
 * Makes sure process group `pgid` is killed if this process dies before it forgets the group.
 * Returns the function that forgets it.
 */
export function trackProcessGroup(pgid: number): () => void {
  if (process.platform === 'win32') return () => undefined;
  reaper ??= new OrphanReaper();
  return reaper.track(pgid);
}
