/**
 * @rjsf widgets drawn with vscode-elements: text-like inputs (the BaseInputTemplate behind text,
 * password, number, email, url), selects for enums, text areas and checkboxes. Each control gets
 * `data-testid = <prefix>-<field path>` (the prefix comes from the form context) and the field's
 * label as the accessible name of its inner input.
 */
import type { BaseInputTemplateProps, FormContextType, RegistryWidgetsType, RJSFSchema, StrictRJSFSchema, WidgetProps } from '@rjsf/utils';
import { enumOptionsIndexForValue, enumOptionsValueForIndex, getInputProps } from '@rjsf/utils';
import { Checkbox, Select, TextArea, TextField } from './elements';

/** What SchemaForm passes to every widget. */
export interface SchemaFormContext {
  testIdPrefix: string;
}

function testIdOf(props: { id: string; registry: WidgetProps['registry'] }): string {
  const prefix = (props.registry.formContext as SchemaFormContext | undefined)?.testIdPrefix ?? 'input';
  return `${prefix}-${props.id.replace(/^root_?/, '') || 'root'}`;
}

function labelOf(props: { label: string; id: string; schema: RJSFSchema }): string {
  return props.label || (typeof props.schema.title === 'string' ? props.schema.title : props.id.replace(/^root_?/, ''));
}

const TEXT_TYPES = new Set(['text', 'search', 'password', 'number', 'email', 'url']);

export function BaseInputTemplate<T = unknown, S extends StrictRJSFSchema = RJSFSchema, F extends FormContextType = FormContextType>(props: BaseInputTemplateProps<T, S, F>) {
  const { id, value, disabled, readonly, onChange, onBlur, onFocus, options, schema, rawErrors, type, placeholder } = props;
  const inputType = getInputProps<T, S, F>(schema, type, options).type ?? 'text';
  const text = value === undefined || value === null ? '' : String(value);
  return (
    <TextField
      testId={testIdOf(props as unknown as WidgetProps)}
      id={id}
      label={labelOf(props as unknown as WidgetProps)}
      value={text}
      type={(TEXT_TYPES.has(inputType) ? inputType : 'text') as 'text'}
      placeholder={placeholder || undefined}
      disabled={disabled || readonly}
      invalid={(rawErrors?.length ?? 0) > 0}
      autocomplete={typeof options.autocomplete === 'string' ? options.autocomplete : undefined}
      onValue={(v) => onChange(v === '' ? options.emptyValue : v)}
      onBlur={() => onBlur(id, text)}
      onFocus={() => onFocus(id, text)}
    />
  );
}

function SelectWidget(props: WidgetProps) {
  const { id, value, disabled, readonly, onChange, onBlur, onFocus, options, schema, rawErrors, placeholder } = props;
  const enumOptions = options.enumOptions ?? [];
  const selected = enumOptionsIndexForValue(value, enumOptions, false);
  const current = typeof selected === 'string' ? selected : '';
  // No default: an empty first option, so nothing is chosen for the user.
  const choices = [
    ...(schema.default === undefined ? [{ value: '', label: placeholder || 'Choose…' }] : []),
    ...enumOptions.map((o, i) => ({ value: String(i), label: o.label, disabled: options.enumDisabled?.includes(o.value) ?? false })),
  ];
  return (
    <Select
      testId={testIdOf(props)}
      id={id}
      label={labelOf(props)}
      value={current}
      options={choices}
      disabled={disabled || readonly}
      invalid={(rawErrors?.length ?? 0) > 0}
      onValue={(v) => onChange(v === '' ? options.emptyValue : enumOptionsValueForIndex(v, enumOptions, options.emptyValue))}
      onBlur={() => onBlur(id, value)}
      onFocus={() => onFocus(id, value)}
    />
  );
}

function TextareaWidget(props: WidgetProps) {
  const { id, value, disabled, readonly, onChange, onBlur, onFocus, options, rawErrors } = props;
  const text = typeof value === 'string' ? value : '';
  return (
    <TextArea
      testId={testIdOf(props)}
      id={id}
      label={labelOf(props)}
      value={text}
      rows={typeof options.rows === 'number' ? options.rows : 4}
      disabled={disabled || readonly}
      invalid={(rawErrors?.length ?? 0) > 0}
      onValue={(v) => onChange(v === '' ? options.emptyValue : v)}
      onBlur={() => onBlur(id, text)}
      onFocus={() => onFocus(id, text)}
    />
  );
}

function CheckboxWidget(props: WidgetProps) {
  const { id, value, disabled, readonly, onChange } = props;
  return (
    <Checkbox testId={testIdOf(props)} id={id} checked={value === true} disabled={disabled || readonly} onChecked={onChange}>
      {labelOf(props)}
    </Checkbox>
  );
}

export const VSCODE_WIDGETS: RegistryWidgetsType = { SelectWidget, TextareaWidget, CheckboxWidget };
