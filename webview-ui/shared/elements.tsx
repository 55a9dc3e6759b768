/**
 * The VS Code controls of the gallery, run detail and gate panels, from @vscode-elements (Lit web components wrapped for
 * React), with Baton's conventions applied once: a data-testid on the element itself, an
 * accessible name on the inner control (the `label` property, since the real <input> lives in a
 * shadow root a page <label> cannot reach), `aria-disabled` beside `disabled` (the elements do
 * not set it, and assistive tech and tests read it), and plain-value callbacks.
 *
 * Components are imported one by one so a bundle holds only the elements it uses; an element
 * imported here is registered by every app that imports this file, so the controls only some apps
 * use (tabs, toolbar buttons) live in their own files (Tabs.tsx, IconButton.tsx). The board, which
 * has a first-paint budget, uses the same controls as native elements (nativeControls.tsx).
 */
import VscodeBadge from '@vscode-elements/react-elements/dist/components/VscodeBadge.js';
import VscodeButton from '@vscode-elements/react-elements/dist/components/VscodeButton.js';
import VscodeCheckbox from '@vscode-elements/react-elements/dist/components/VscodeCheckbox.js';
import VscodeOption from '@vscode-elements/react-elements/dist/components/VscodeOption.js';
import VscodeProgressRing from '@vscode-elements/react-elements/dist/components/VscodeProgressRing.js';
import VscodeSingleSelect from '@vscode-elements/react-elements/dist/components/VscodeSingleSelect.js';
import VscodeTextarea from '@vscode-elements/react-elements/dist/components/VscodeTextarea.js';
import VscodeTextfield from '@vscode-elements/react-elements/dist/components/VscodeTextfield.js';
import type { BadgeProps, ButtonProps, CheckboxProps, LoadingProps, SelectProps, TextAreaProps, TextFieldProps } from './controlProps';

export type { SelectOption } from './controlProps';

/**
 * Focuses an element once it can take focus: a vscode-element renders (and sets its tabindex)
 * in a microtask after it is created, so focusing it in the effect that mounted it would do nothing.
 */
export function focusWhenReady(el: HTMLElement | null | undefined): void {
  if (!el) return;
  const pending = (el as HTMLElement & { updateComplete?: Promise<unknown> }).updateComplete;
  if (pending) void pending.then(() => el.focus());
  else el.focus();
}

/** A push button (primary unless `secondary`); `type="submit"` submits the form it sits in. */
export function Button(props: ButtonProps) {
  const { testId, onClick, disabled = false, secondary = false, icon, type = 'button', describedBy, className, children } = props;
  return (
    <VscodeButton
      data-testid={testId}
      className={className}
      secondary={secondary}
      icon={icon ?? ''}
      type={type}
      disabled={disabled}
      aria-disabled={disabled ? 'true' : undefined}
      aria-describedby={describedBy}
      onClick={onClick}
    >
      {children}
    </VscodeButton>
  );
}

/** A one-line text field; `label` names the inner input for screen readers. */
export function TextField(props: TextFieldProps) {
  const { testId, id, label, value, onValue, placeholder, type = 'text', disabled = false, invalid = false, autocomplete, className, onKeyDown, onBlur, onFocus } = props;
  return (
    <VscodeTextfield
      data-testid={testId}
      id={id}
      className={className}
      label={label}
      value={value}
      placeholder={placeholder}
      type={type}
      disabled={disabled}
      invalid={invalid}
      aria-invalid={invalid ? 'true' : undefined}
      autocomplete={autocomplete as 'off' | 'on' | undefined}
      onInput={(e) => onValue((e.currentTarget as unknown as { value: string }).value)}
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
    <VscodeTextarea
      data-testid={testId}
      id={id}
      className={className}
      label={label}
      value={value}
      rows={rows}
      disabled={disabled}
      invalid={invalid}
      aria-invalid={invalid ? 'true' : undefined}
      resize="vertical"
      onInput={(e) => onValue((e.currentTarget as unknown as { value: string }).value)}
      onBlur={onBlur}
      onFocus={onFocus}
    />
  );
}

/** A dropdown of fixed options (no free text). */
export function Select(props: SelectProps) {
  const { testId, id, label, value, options, onValue, disabled = false, invalid = false, className, onBlur, onFocus } = props;
  return (
    <VscodeSingleSelect
      data-testid={testId}
      id={id}
      className={className}
      label={label}
      value={value}
      disabled={disabled}
      invalid={invalid}
      aria-invalid={invalid ? 'true' : undefined}
      onChange={(e) => onValue((e.currentTarget as unknown as { value: string }).value)}
      onBlur={onBlur}
      onFocus={onFocus}
    >
      {options.map((o) => (
        <VscodeOption key={o.value} value={o.value} disabled={o.disabled ?? false} data-testid={`${testId}-option-${o.value || 'none'}`}>
          {o.label}
        </VscodeOption>
      ))}
    </VscodeSingleSelect>
  );
}

/** A checkbox with its label as slotted text (which is also its accessible name). */
export function Checkbox(props: CheckboxProps) {
  const { testId, id, checked, onChecked, disabled = false, className, children } = props;
  return (
    <VscodeCheckbox
      data-testid={testId}
      id={id}
      className={className}
      checked={checked}
      disabled={disabled}
      aria-disabled={disabled ? 'true' : undefined}
      onChange={(e) => onChecked((e.currentTarget as unknown as { checked: boolean }).checked)}
    >
      {children}
    </VscodeCheckbox>
  );
}

/** A count (`counter`) or a short label (`default`) in the badge colours. */
export function Badge(props: BadgeProps) {
  const { testId, variant = 'default', className, children } = props;
  return (
    <VscodeBadge data-testid={testId} variant={variant} className={className}>
      {children}
    </VscodeBadge>
  );
}

/** A loading line: the spinner (hidden from screen readers) and the text it stands for. */
export function Loading(props: LoadingProps) {
  return (
    <p className="section muted loading" data-testid={props.testId}>
      <VscodeProgressRing aria-hidden="true" className="loading-ring" />
      <span>{props.text}</span>
    </p>
  );
}
