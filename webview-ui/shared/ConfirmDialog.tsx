/** A small modal confirmation (Cancel run) or comment prompt (Reject), focus kept inside. */
import { useEffect, useRef, useState } from 'react';
import { Button, TextArea } from './nativeControls';

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
    ref.current?.querySelector<HTMLElement>(`[data-testid="${testId}-${withComment ? 'comment' : 'cancel'}"]`)?.focus();
    const back = opener.current;
    return () => {
      if (back instanceof HTMLElement && back.isConnected) back.focus();
    };
  }, [withComment, testId]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    } else if (e.key === 'Tab') {
      const f = [...(ref.current?.querySelectorAll<HTMLElement>('vscode-button, vscode-textarea') ?? [])];
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
            <TextArea testId={`${testId}-comment`} id={`${testId}-comment`} className="modal-comment" label="Comment (passed to the next attempt)" value={comment} onValue={setComment} />
          </>
        )}
        <div className="row modal-actions">
          <span className="spacer" />
          <Button testId={`${testId}-cancel`} secondary onClick={onCancel}>
            Back
          </Button>
          <Button testId={`${testId}-confirm`} onClick={() => onConfirm(comment)}>
            {confirmLabel}
          </Button>
        </div>
      </div>
    </div>
  );
}
