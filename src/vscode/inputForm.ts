/**
 * Collects a template's inputs with a multi-step QuickInput generated from its JSON Schema:
 * enums as picks, booleans as Yes/No, everything else an input box validated as you type
 * (types, patterns, ranges — the same checks a run applies), defaults prefilled, Back to revise.
 */
import * as vscode from 'vscode';
import type { JsonValue } from '../core/model';
import { coerceInputString, validateInputValues } from '../core/template';
import type { InputSchema, TemplateInputs } from '../core/template/types';

const BACK = Symbol('back');
type StepResult = { value: JsonValue | undefined } | typeof BACK | undefined;

/** Why `text` is not a valid value for input `name`, or undefined when it is. */
export function inputProblem(name: string, schema: InputSchema, required: boolean, text: string): string | undefined {
  if (text === '') return required && schema.default === undefined ? `${name} is required` : undefined;
  const { problems } = validateInputValues({ properties: { [name]: schema }, required: [] }, { [name]: text }, { fromStrings: true });
  return problems[0] ? `${name} ${problems[0].message}` : undefined;
}

function display(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Asks for every input in order; undefined when the user dismissed the form. */
export async function collectInputs(inputs: TemplateInputs, title: string): Promise<Record<string, JsonValue> | undefined> {
  const entries = Object.entries(inputs.properties);
  const values: Record<string, JsonValue> = {};
  for (let index = 0; index < entries.length; ) {
    const [name, schema] = entries[index]!;
    const required = inputs.required.includes(name);
    const step = { title, step: index + 1, totalSteps: entries.length, canGoBack: index > 0 };
    const current = name in values ? values[name] : schema.default;
    const result =
      schema.enum !== undefined || schema.type === 'boolean'
        ? await pickValue(name, schema, current, step)
        : await typeValue(name, schema, required, current, step);
    if (result === undefined) return undefined;
    if (result === BACK) {
      index--;
      continue;
    }
    if (result.value === undefined) delete values[name];
    else values[name] = result.value;
    index++;
  }
  return values;
}

interface StepInfo {
  title: string;
  step: number;
  totalSteps: number;
  canGoBack: boolean;
}

function pickValue(name: string, schema: InputSchema, current: JsonValue | undefined, info: StepInfo): Promise<StepResult> {
  const options: JsonValue[] = schema.enum ?? [true, false];
  const label = (v: JsonValue) => (schema.type === 'boolean' && schema.enum === undefined ? (v ? 'Yes' : 'No') : display(v));
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: JsonValue }>();
    Object.assign(pick, { title: info.title, step: info.step, totalSteps: info.totalSteps });
    pick.placeholder = schema.description ? `${name}: ${schema.description}` : name;
    pick.items = options.map((value) => ({ label: label(value), value, ...(value === schema.default ? { description: 'default' } : {}) }));
    const active = pick.items.find((item) => item.value === current);
    if (active) pick.activeItems = [active];
    if (info.canGoBack) pick.buttons = [vscode.QuickInputButtons.Back];
    let settled = false;
    const finish = (result: StepResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
      pick.dispose();
    };
    pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen) finish({ value: chosen.value });
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}

function typeValue(name: string, schema: InputSchema, required: boolean, current: JsonValue | undefined, info: StepInfo): Promise<StepResult> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    Object.assign(box, { title: info.title, step: info.step, totalSteps: info.totalSteps });
    box.value = display(current);
    box.password = schema.secret === true;
    box.placeholder = name;
    box.prompt = `${name}${schema.description ? `: ${schema.description}` : ''}${required ? '' : ' (optional)'}`;
    if (info.canGoBack) box.buttons = [vscode.QuickInputButtons.Back];
    const validate = () => {
      box.validationMessage = inputProblem(name, schema, required, box.value);
      return box.validationMessage === undefined;
    };
    validate();
    let settled = false;
    const finish = (result: StepResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
      box.dispose();
    };
    box.onDidChangeValue(() => validate());
    box.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
    box.onDidAccept(() => {
      if (!validate()) return;
      finish({ value: box.value === '' ? undefined : coerceInputString(box.value, schema) });
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}
