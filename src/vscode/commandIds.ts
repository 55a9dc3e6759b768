/**
 * The static half of Baton's one command table: every command id and its palette title.
 * No vscode import, so the unit tier can check it against package.json `contributes.commands`.
 * Handlers live in commands.ts, keyed by the same names, so a command cannot exist in one
 * place and not the other (the compiler checks the handler map covers every key).
 */

export const COMMAND_CATEGORY = 'Baton';

export interface CommandInfo {
  /** `baton.*` id used in package.json, menus and executeCommand. */
  readonly id: string;
  /** Title shown in the palette after "Baton: ". */
  readonly title: string;
  /** Codicon shown when the command is a view title or inline button. */
  readonly icon?: string;
}

export const BATON_COMMANDS = {
  runTemplate: { id: 'baton.runTemplate', title: 'Run Workflow Template', icon: '$(play)' },
  validateTemplates: { id: 'baton.validateTemplates', title: 'Validate Templates', icon: '$(check-all)' },
  newTemplate: { id: 'baton.newTemplate', title: 'New Template', icon: '$(new-file)' },
  refresh: { id: 'baton.refresh', title: 'Refresh', icon: '$(refresh)' },
  groupRuns: { id: 'baton.groupRuns', title: 'Group Runs…', icon: '$(list-tree)' },
  /** The links of a closable notification (closableNotification.ts); hidden from the palette. */
  answerNotification: { id: 'baton.answerNotification', title: 'Answer Notification' },
  cancelRun: { id: 'baton.cancelRun', title: 'Cancel Run', icon: '$(debug-stop)' },
  pauseRun: { id: 'baton.pauseRun', title: 'Pause Run', icon: '$(debug-pause)' },
  resumeRun: { id: 'baton.resumeRun', title: 'Resume Run', icon: '$(debug-continue)' },
  retryRun: { id: 'baton.retryRun', title: 'Retry Run', icon: '$(debug-restart)' },
  retryFromStep: { id: 'baton.retryFromStep', title: 'Retry From Step', icon: '$(debug-step-back)' },
  rerun: { id: 'baton.rerun', title: 'Rerun', icon: '$(refresh)' },
  showStepLog: { id: 'baton.showStepLog', title: 'Show Step Log', icon: '$(terminal)' },
  addComment: { id: 'baton.addComment', title: 'Add Comment', icon: '$(comment)' },
  setSecret: { id: 'baton.setSecret', title: 'Set Secret', icon: '$(key)' },
  setWebhookSecret: { id: 'baton.setWebhookSecret', title: 'Set Webhook Secret', icon: '$(key)' },
  clearSecret: { id: 'baton.clearSecret', title: 'Clear Secret', icon: '$(trash)' },
  openAgentTranscript: { id: 'baton.openAgentTranscript', title: 'Open Agent Transcript', icon: '$(comment-discussion)' },
  approveGate: { id: 'baton.approveGate', title: 'Approve Gate', icon: '$(check)' },
  rejectGate: { id: 'baton.rejectGate', title: 'Reject Gate', icon: '$(close)' },
  openBoard: { id: 'baton.openBoard', title: 'Open Board', icon: '$(project)' },
  openGallery: { id: 'baton.openGallery', title: 'Open Gallery', icon: '$(library)' },
  openRunDetails: { id: 'baton.openRunDetails', title: 'Open Run Details', icon: '$(open-preview)' },
} as const satisfies Record<string, CommandInfo>;

export type BatonCommandName = keyof typeof BATON_COMMANDS;
