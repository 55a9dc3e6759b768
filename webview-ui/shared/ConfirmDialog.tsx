/** A small modal confirmation (Cancel run) or comment prompt (Reject), focus kept inside. */
import { useEffect, useRef, useState } from 'react';

export function ConfirmDialog(props: {
  title: string;
  body: string;
  confirmLabel: string;
  /** Ask for a comment (Reject with feedback). */
  withComment?: boolean;
  onConfirm: (comment: string) => void;
  onCancel: () => void;
  testId: string;
}) {
  const { title, body, confirmLabel, withComment, onConfirm, onCancel, testId } = props;
  const [comment, setComment] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  const opener = useRef<Element | null>(document.activeElement);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>(withComment ? 'textarea' : '[data-role="cancel"]')?.focus();
    const back = opener.current;
    return () => {
      if (back instanceof HTMLElement && back.isConnected) back.focus();
    };
  }, [withComment]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Tab') {
      const f = [...(ref.current?.querySelectorAll<HTMLElement>('button, textarea') ?? [])];
      const first = f[0];
      const last = f[f.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };
  return (
    <div className="modal-backdrop">
      <div ref={ref} className="modal" role="dialog" aria-modal="true" aria-labelledby={`${testId}-title`} data-testid={testId} onKeyDown={onKeyDown}>
        <h2 id={`${testId}-title`}>{title}</h2>
        <p>{body}</p>
        {withComment && (
          <>
            <label htmlFor={`${testId}-comment`}>Comment (passed to the next attempt)</label>
            <textarea id={`${testId}-comment`} data-testid={`${testId}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} />
          </>
        )}
        <div className="row modal-actions">
          <span className="spacer" />
          <button type="button" className="button secondary" data-role="cancel" data-testid={`${testId}-cancel`} onClick={onCancel}>
            Back
          </button>
          <button type="button" className="button" data-testid={`${testId}-confirm`} onClick={() => onConfirm(comment)}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
