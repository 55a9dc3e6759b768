/** A keyboard-first context menu (Shift+F10, the Menu key or right click). */
import { useLayoutEffect, useRef } from 'react';
import { Icon } from './status';

export interface MenuItem {
  id: string;
  label: string;
  icon: string;
  onSelect: () => void;
}

export function ContextMenu(props: { items: MenuItem[]; x: number; y: number; label: string; onClose: () => void; testId: string }) {
  const { items, x, y, label, onClose, testId } = props;
  const ref = useRef<HTMLDivElement>(null);
  // Placed and focused before the browser paints (and before the next key press is handled:
  // preact runs plain effects after the frame).
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const rect = el.getBoundingClientRect();
    el.style.left = `${Math.max(0, Math.min(x, window.innerWidth - rect.width - 4))}px`;
    el.style.top = `${Math.max(0, Math.min(y, window.innerHeight - rect.height - 4))}px`;
    el.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (e: MouseEvent) => {
      if (!el.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', outside);
    return () => window.removeEventListener('mousedown', outside);
  }, [x, y, onClose]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const entries = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      entries[(at + 1) % entries.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      entries[(at - 1 + entries.length) % entries.length]?.focus();
    } else if (e.key === 'Home') {
      e.preventDefault();
      entries[0]?.focus();
    } else if (e.key === 'End') {
      e.preventDefault();
      entries[entries.length - 1]?.focus();
    }
  };

  return (
    <div ref={ref} className="menu" role="menu" aria-label={label} data-testid={testId} onKeyDown={onKeyDown}>
      {items.map((item) => (
        <button
          key={item.id}
          type="button"
          role="menuitem"
          tabIndex={-1}
          data-testid={`${testId}-${item.id}`}
          onClick={() => {
            onClose();
            item.onSelect();
          }}
        >
          <Icon name={item.icon} /> {item.label}
        </button>
      ))}
    </div>
  );
}
