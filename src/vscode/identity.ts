/** Who this window acts as (gate decisions, comments, cancel): setting `baton.user`, else the OS user. */
import { userInfo } from 'node:os';
import * as vscode from 'vscode';

export function currentUser(): string {
  const configured = vscode.workspace.getConfiguration('baton').get<string>('user')?.trim();
  if (configured) return configured;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'vscode';
  }
}
