// Types for scripts/code-server.mjs (plain JS so CI can run it before anything is built).
export const CODE_SERVER_VERSION: string;
export const CHROMIUM_PATH: string;
export interface InstalledCodeServer {
  dir: string;
  /** code-server's own CLI (out/node/entry.js). */
  entry: string;
  /** The bundled VS Code server (lib/vscode/out/server-main.js). */
  serverMain: string;
  /** Node 24 binary to run both with. */
  node: string;
}
export function codeServerDir(): string;
export function installedCodeServer(): InstalledCodeServer | undefined;
export function nodeForCodeServer(): string;
export function ensureAptPackages(packages: string[]): void;
export function ensureChromium(): string;
export function ensureCodeServer(): InstalledCodeServer;
