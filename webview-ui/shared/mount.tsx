/** Mounts one webview app into #root with the shared styles and the live region (codicon.css is linked by the page). */
import './base.css';
import type { ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { LiveRegion } from './liveRegion';

export function mountApp(App: ComponentType): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('Baton webview: #root is missing from the page');
  // No StrictMode: its doubled effects would send the ready handshake twice in development builds.
  createRoot(root).render(
    <>
      <App />
      <LiveRegion />
    </>,
  );
}
