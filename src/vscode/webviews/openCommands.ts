/** "Baton: Open Board", "Baton: Open Gallery" and "Open Run Details" (Runs view, palette, scripts). */
import type { RunStatus } from '../../core/model';
import type { BatonContainer } from '../container';
import { resolveRunTarget } from '../runCommands';
import type { RunsNode } from '../runsTree';
import { batonFolders, pickBatonFolder, type BatonFolder } from '../workspaceFolders';

const ANY_STATUS: readonly RunStatus[] = ['pending', 'running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled'];

/** A folder named by a URI string or a folder path (scripts), else the pick of a multi-root window. */
async function folderFor(arg: unknown, placeHolder: string): Promise<BatonFolder | undefined> {
  if (typeof arg === 'string') {
    const found = batonFolders().find((f) => f.folder.uri.toString() === arg || f.folder.uri.fsPath === arg);
    if (found) return found;
  }
  return pickBatonFolder(placeHolder);
}

export async function openBoard(container: BatonContainer, folderArg?: unknown): Promise<boolean> {
  const folder = await folderFor(folderArg, 'Folder whose runs the board shows');
  if (!folder) return false;
  container.webviews.openBoard(folder);
  return true;
}

/** `templateArg`: a template id to open the gallery on. */
export async function openGallery(container: BatonContainer, templateArg?: unknown, folderArg?: unknown): Promise<boolean> {
  const folder = await folderFor(folderArg, 'Folder whose templates the gallery shows');
  if (!folder) return false;
  container.webviews.openGallery(folder, typeof templateArg === 'string' ? templateArg : undefined);
  return true;
}

/** From a Runs-view node (run or step), a run id, or a pick of the runs. */
export async function openRunDetails(container: BatonContainer, arg?: unknown, stepArg?: unknown): Promise<string | undefined> {
  const node = arg as RunsNode | undefined;
  if (node && typeof node === 'object' && 'kind' in node && (node.kind === 'run' || node.kind === 'step')) {
    container.webviews.openRun(node.runtime.folder, node.run.id, node.kind === 'step' ? node.step.stepId : null);
    return node.run.id;
  }
  const target = await resolveRunTarget(container, arg, ANY_STATUS, 'open');
  if (!target) return undefined;
  container.webviews.openRun(target.runtime.folder, target.run.id, typeof stepArg === 'string' ? stepArg : null);
  return target.run.id;
}
