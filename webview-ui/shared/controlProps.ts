/**
 * The props of the VS Code controls, shared by their two renderings: elements.tsx (the
 * @vscode-elements web components) and nativeControls.tsx (native elements with
 * elements-lite's CSS), so a panel can move between them without touching its call sites.
 */
import type { KeyboardEvent, MouseEvent, ReactNode } from 'react';

/** A push button (primary unless `secondary`); `type="submit"` submits the form it sits in. */
export interface ButtonProps {
  testId: string;
  onClick?: (e: MouseEvent<HTMLElement>) => void;
  disabled?: boolean;
  secondary?: boolean;
  /** A codicon name shown before the label. */
  icon?: string;
  type?: 'button' | 'submit';
  describedBy?: string;
  className?: string;
  children: ReactNode;
}

/** What every text-like field takes; `label` is its accessible name. */
interface FieldProps {
  testId: string;
  id?: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  disabled?: boolean;
  invalid?: boolean;
  className?: string;
  onBlur?: () => void;
  onFocus?: () => void;
}

/** A one-line text field. */
export interface TextFieldProps extends FieldProps {
  placeholder?: string;
  type?: 'text' | 'search' | 'password' | 'number' | 'email' | 'url';
  autocomplete?: string;
  onKeyDown?: (e: KeyboardEvent<HTMLElement>) => void;
}

/** A multi-line text field. */
export interface TextAreaProps extends FieldProps {
  rows?: number;
}

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

/** A dropdown of fixed options (no free text). */
export interface SelectProps extends FieldProps {
  options: SelectOption[];
}

/** A checkbox with its label as children (also its accessible name). */
export interface CheckboxProps {
  testId: string;
  id?: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  disabled?: boolean;
  className?: string;
  children: ReactNode;
}

/** A count (`counter`) or a short label (`default`) in the badge colours. */
export interface BadgeProps {
  testId?: string;
  variant?: 'default' | 'counter';
  className?: string;
  children: ReactNode;
}

/** A loading line: the spinner (hidden from screen readers) and the text it stands for. */
export interface LoadingProps {
  text: string;
  testId?: string;
}
