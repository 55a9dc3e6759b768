/** One polite live region per page: status changes are announced, never shouted. */
import { useEffect, useState } from 'react';

type Listener = (text: string) => void;
const listeners = new Set<Listener>();

/** Announces a status change to screen readers (politely). */
export function announce(text: string): void {
  for (const l of listeners) l(text);
}

export function LiveRegion() {
  const [text, setText] = useState('');
  useEffect(() => {
    const listener: Listener = (t) => {
      // Clearing first makes a repeated message be announced again.
      setText('');
      requestAnimationFrame(() => setText(t));
    };
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return (
    <div className="visually-hidden" role="status" aria-live="polite" data-testid="live-region">
      {text}
    </div>
  );
}
