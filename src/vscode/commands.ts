/**
 * The one command table: a handler factory per entry of BATON_COMMANDS (commandIds.ts), all
 * registered in registerCommands(). A handler failure becomes an error notification here, once,
 * instead of an unhandled rejection VS Code only logs.
 */
import * as vscode from 'vscode';
import { BATON_COMMANDS, type BatonCommandName } from './commandIds';
import type { BatonContainer } from './container';
import { createTemplateFromScaffold } from './newTemplate';
import { addComment, clearSecret, setSecret, setWebhookSecret } from './commentsAndSecrets';
import { approveGate, rejectGate } from './gates';
import { runTemplate } from './runTemplate';
import { showStepLog } from './showStepLog';
import { openAgentTranscript } from './transcript';
import { validateTemplates } from './validateTemplates';
import { cancelRun, pauseRun, rerun, resumeRun, retryFromStep, retryRun } from './runCommands';
import { userMessage } from './userMessage';
import { openBoard, openGallery, openRunDetails } from './webviews/openCommands';

// Commands receive whatever VS Code passes (tree items, URIs, nothing from the palette).
type CommandHandler = (...args: unknown[]) => unknown;

const handlers: Record<BatonCommandName, (container: BatonContainer) => CommandHandler> = {
  runTemplate: (c) => (template, inputs) => runTemplate(c, template, inputs),
  validateTemplates: (c) => () => validateTemplates(c),
  newTemplate: (c) => (presetId) => createTemplateFromScaffold(c, presetId),
  refresh: (c) => () => c.refresh(),
  groupRuns: (c) => (grouping) => c.groupRuns(grouping),
  answerNotification: (c) => (id, choice) => c.notifications.answer(id, choice),
  cancelRun: (c) => (arg) => cancelRun(c, arg),
  pauseRun: (c) => (arg) => pauseRun(c, arg),
  resumeRun: (c) => (arg) => resumeRun(c, arg),
  retryRun: (c) => (arg) => retryRun(c, arg),
  retryFromStep: (c) => (arg, step) => retryFromStep(c, arg, step),
  rerun: (c) => (arg) => rerun(c, arg),
  showStepLog: (c) => (arg) => showStepLog(c, arg),
  addComment: (c) => (arg) => addComment(c, arg),
  setSecret: (c) => (arg) => setSecret(c, arg),
  setWebhookSecret: (c) => (arg) => setWebhookSecret(c, arg),
  clearSecret: (c) => (arg) => clearSecret(c, arg),
  openAgentTranscript: (c) => (arg, step) => openAgentTranscript(c, arg, step),
  approveGate: (c) => (arg) => approveGate(c, arg),
  rejectGate: (c) => (arg) => rejectGate(c, arg),
  openBoard: (c) => (folder) => openBoard(c, folder),
  openGallery: (c) => (templateId, folder) => openGallery(c, templateId, folder),
  openRunDetails: (c) => (arg, step) => openRunDetails(c, arg, step),
};

export function registerCommands(container: BatonContainer): vscode.Disposable[] {
  return (Object.keys(BATON_COMMANDS) as BatonCommandName[]).map((name) => {
    const handler = handlers[name](container);
    return vscode.commands.registerCommand(BATON_COMMANDS[name].id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        container.log.error(`${BATON_COMMANDS[name].id} failed`, error);
        void vscode.window.showErrorMessage(`Baton: ${BATON_COMMANDS[name].title} failed: ${userMessage(error)}`);
        return undefined;
      }
    });
  });
}
