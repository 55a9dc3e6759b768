/**
 * A form generated from a JSON Schema (template inputs, gate forms) with @rjsf/core, its widgets
 * drawn with vscode-elements (schemaWidgets.tsx): required fields first, defaults filled, enums as
 * selects, secrets masked. Validation runs in the webview with the interpreting validator (the CSP
 * forbids ajv's code generation); the host re-validates.
 */
import Form from '@rjsf/core';
import type { IChangeEvent } from '@rjsf/core';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import type { FormSchema, JsonValue } from '../../src/shared/protocol';
import { interpretingValidator, validateSchema } from './schemaValidator';
import { BaseInputTemplate, VSCODE_WIDGETS, type SchemaFormContext } from './schemaWidgets';

const TEMPLATES = { BaseInputTemplate };

export type FormValues = Record<string, JsonValue>;

/** Field order (required first, then the rest as declared) and widgets for secrets. */
export function uiSchemaFor(schema: FormSchema): UiSchema {
  const names = Object.keys(schema.properties);
  const required = names.filter((n) => schema.required.includes(n));
  const optional = names.filter((n) => !schema.required.includes(n));
  const ui: UiSchema = { 'ui:order': [...required, ...optional], 'ui:submitButtonOptions': { norender: true } };
  for (const [name, prop] of Object.entries(schema.properties)) {
    if (prop.secret === true) ui[name] = { 'ui:widget': 'password', 'ui:autocomplete': 'off' };
    else if (prop.type === 'string' && (prop.format === 'markdown' || prop['x-multiline'] === true)) ui[name] = { 'ui:widget': 'textarea' };
  }
  return ui;
}

/** Field errors of `values`, keyed by field name ('' for the form itself). */
export function formErrors(schema: FormSchema, values: FormValues): Array<{ field: string; message: string }> {
  return validateSchema(schema, values).map((e) => ({ field: e.property.replace(/^\./, ''), message: e.message }));
}

/** The label of a field, as the form shows it. */
export function fieldLabel(schema: FormSchema, field: string): string {
  const prop = schema.properties[field.split('.')[0] ?? field];
  return typeof prop?.title === 'string' ? prop.title : field;
}

export function SchemaForm(props: {
  schema: FormSchema;
  values: FormValues;
  onChange: (values: FormValues) => void;
  /** Called with valid values only; invalid submits show the errors inline. */
  onSubmit: (values: FormValues) => void;
  onInvalid?: () => void;
  /** Validate as the user types (after a first failed submit). */
  liveValidate: boolean;
  disabled?: boolean;
  testIdPrefix: string;
  formId: string;
  children?: ReactNode;
}) {
  const { schema, values, onChange, onSubmit, onInvalid, liveValidate, disabled, testIdPrefix, formId, children } = props;
  const uiSchema = useMemo(() => uiSchemaFor(schema), [schema]);
  const container = useRef<HTMLDivElement>(null);

  const formContext = useMemo<SchemaFormContext>(() => ({ testIdPrefix }), [testIdPrefix]);

  // The widgets stamp their own data-testid; controls RJSF renders itself (array item buttons)
  // get one derived from their id too, including those it adds later.
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    const stamp = () => {
      root.querySelectorAll<HTMLElement>('input, select, textarea, button, vscode-button').forEach((el, i) => {
        if (el.dataset.testid) return;
        const key = (el.id || el.getAttribute('name') || `control-${i}`).replace(/^root_?/, '') || 'root';
        el.dataset.testid = `${testIdPrefix}-${key}`;
      });
    };
    stamp();
    const observer = new MutationObserver(stamp);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [testIdPrefix]);

  return (
    <div ref={container} className="schema-form">
      <Form
        id={formId}
        schema={schema as unknown as RJSFSchema}
        uiSchema={uiSchema}
        formData={values}
        validator={interpretingValidator}
        widgets={VSCODE_WIDGETS}
        templates={TEMPLATES}
        formContext={formContext}
        noHtml5Validate
        showErrorList={false}
        liveValidate={liveValidate ? 'onChange' : undefined}
        disabled={disabled}
        focusOnFirstError
        onChange={(e: IChangeEvent) => onChange((e.formData ?? {}) as FormValues)}
        onSubmit={(e: IChangeEvent) => onSubmit((e.formData ?? {}) as FormValues)}
        onError={() => onInvalid?.()}
      >
        {children}
      </Form>
    </div>
  );
}
