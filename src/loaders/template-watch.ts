/**
 * A TemplateChangeSource over node:fs watchers, for long-running CLI processes (the worker);
 * VS Code supplies its own from FileSystemWatcher. Bursts of events (an editor's save writes
 * several times) become one notification after `debounceMs`.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { TemplateChangeSource } from '../core/template/registry';

export function watchTemplateFolders(dirs: readonly string[], debounceMs = 200): TemplateChangeSource {
  return {
    onDidChange(listener) {
      const watchers: FSWatcher[] = [];
      let timer: NodeJS.Timeout | undefined;
      const changed = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          listener();
        }, debounceMs);
      };
      for (const dir of dirs) {
        try {
          const watcher = watch(dir, { persistent: false }, changed);
          // A folder deleted while watched: stop watching it rather than crash.
          watcher.on('error', () => watcher.close());
          watchers.push(watcher);
        } catch {
          // A folder that does not exist (yet) has no templates to watch.
        }
      }
      return {
        dispose() {
          if (timer) clearTimeout(timer);
          for (const watcher of watchers) watcher.close();
        },
      };
    },
  };
}
