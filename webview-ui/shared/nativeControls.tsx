/**
 * The controls of elements.tsx, as native HTML elements dressed by @vscode-elements/elements-lite
 * (the same project's CSS edition of its controls): the same props and the same look, without
 * web components. For panels with a first-paint budget: the runs board (issue #6: 2,000 runs
 * painted in < 300 ms) and the dialog it opens. The Lit elements cost the board a third of its
 * first paint: their bundle, their first render in microtasks after mount, and forced layouts
 * (vscode-single-select reads getBoundingClientRect on every render and innerText of every
 * option), which land while the cards are being inserted.
 *
 * Native controls also need no ARIA forwarding: a <label for> names them, `disabled` is exposed
 * as such, and the <select>'s list is the platform's.
 */
import '@vscode-elements/elements-lite/components/badge/badge.css';
import '@vscode-elements/elements-lite/components/button/button.css';
import '@vscode-elements/elements-lite/components/checkbox/checkbox.css';
import '@vscode-elements/elements-lite/components/progress-ring/progress-ring.css';
import '@vscode-elements/elements-lite/components/select/select.css';
import '@vscode-elements/elements-lite/components/textarea/textarea.css';
import '@vscode-elements/elements-lite/components/textfield/textfield.css';
import './nativeControls.css';
import { useId } from 'react';
import type { BadgeProps, ButtonProps, CheckboxProps, LoadingProps, SelectProps, TextAreaProps, TextFieldProps } from './controlProps';

export type { SelectOption } from './controlProps';

function classes(...names: Array<string | false | undefined>): string {
  return names.filter(Boolean).join(' ');
}

/** A push button (primary unless `secondary`); `type="submit"` submits the form it sits in. */
export function Button(props: ButtonProps) {
  const { testId, onClick, disabled = false, secondary = false, icon, type = 'button', describedBy, className, children } = props;
  return (
    <button type={type} data-testid={testId} className={classes('vscode-button', secondary && 'secondary', className)} disabled={disabled} aria-describedby={describedBy} onClick={onClick}>
      {icon && <span className={`codicon codicon-${icon}`} aria-hidden="true" />}
      <span>{children}</span>
    </button>
  );
}

/** A one-line text field; `label` is its accessible name. */
export function TextField(props: TextFieldProps) {
  const { testId, id, label, value, onValue, placeholder, type = 'text', disabled = false, invalid = false, autocomplete, className, onKeyDown, onBlur, onFocus } = props;
  return (
    <input
      data-testid={testId}
      id={id}
      className={classes('vscode-textfield', invalid && 'invalid', className)}
      aria-label={label}
      value={value}
      placeholder={placeholder}
      type={type}
      disabled={disabled}
      aria-invalid={invalid ? 'true' : undefined}
      autoComplete={autocomplete}
      onInput={(e) => onValue(e.currentTarget.value)}
      onKeyDown={onKeyDown}
      onBlur={onBlur}
      onFocus={onFocus}
    />
  );
}

/** A multi-line text field. */
export function TextArea(props: TextAreaProps) {
  const { testId, id, label, value, onValue, rows = 3, disabled = false, invalid = false, className, onBlur, onFocus } = props;
  return (
    <textarea
      data-testid={testId}
      id={id}
      className={classes('vscode-textarea', invalid && 'invalid', className)}
      aria-label={label}
      value={value}
      rows={rows}
      disabled={disabled}
      aria-invalid={invalid ? 'true' : undefined}
      onInput={(e) => onValue(e.currentTarget.value)}
      onBlur={onBlur}
      onFocus={onFocus}
    />
  );
}

/** A dropdown of fixed options (no free text): a native <select>, so its list is the platform's. */
export function Select(props: SelectProps) {
  const { testId, id, label, value, options, onValue, disabled = false, invalid = false, className, onBlur, onFocus } = props;
  return (
    <span className={classes('vscode-select', invalid && 'invalid', className)}>
      <select
        data-testid={testId}
        id={id}
        aria-label={label}
        value={value}
        disabled={disabled}
        aria-invalid={invalid ? 'true' : undefined}
        onChange={(e) => onValue(e.currentTarget.value)}
        onBlur={onBlur}
        onFocus={onFocus}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled ?? false} data-testid={`${testId}-option-${o.value || 'none'}`}>
            {o.label}
          </option>
        ))}
      </select>
      <span className="codicon codicon-chevron-down chevron-icon" aria-hidden="true" />
    </span>
  );
}

/**
 * A checkbox with its label (also its accessible name). The data-testid is on the wrapper, which
 * a click toggles like the label does; the native input inside holds the state.
 */
export function Checkbox(props: CheckboxProps) {
  const { testId, id, checked, onChecked, disabled = false, className, children } = props;
  const generated = useId();
  const inputId = id ?? `checkbox-${generated}`;
  return (
    <span className={classes('vscode-checkbox', className)} data-testid={testId}>
      <input id={inputId} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChecked(e.currentTarget.checked)} />
      <label htmlFor={inputId}>
        <span className="icon" aria-hidden="true">
          <span className="codicon codicon-check icon-checked" />
        </span>
        <span className="text">{children}</span>
      </label>
    </span>
  );
}

/** A count (`counter`) or a short label (`default`) in the badge colours. */
export function Badge(props: BadgeProps) {
  const { testId, variant = 'default', className, children } = props;
  return (
    <span data-testid={testId} className={classes('vscode-badge', variant === 'counter' && 'counter', className)}>
      {children}
    </span>
  );
}

/** A loading line: the spinner (hidden from screen readers) and the text it stands for. */
export function Loading(props: LoadingProps) {
  return (
    <p className="section muted loading" data-testid={props.testId}>
      <svg className="vscode-progress-ring loading-ring" viewBox="0 0 16 16" aria-hidden="true">
        <circle className="background" cx="8" cy="8" r="7" />
        <circle className="indicator" cx="8" cy="8" r="7" />
      </svg>
      <span>{props.text}</span>
    </p>
  );
}
