/** Template language: load, check, normalize, instantiate and list templates. */
export * from './types';
export { parseDuration, formatDuration } from './duration';
export { type TemplateFileSystem, nodeTemplateFileSystem } from './fs';
export {
  checkTemplateFile,
  checkTemplateObject,
  hashTemplateSource,
  isTemplateFile,
  loadTemplateFile,
  parseTemplateText,
  TEMPLATE_EXTENSIONS,
  type TemplateCheckResult,
  type TemplateLoadOptions,
  type TypeScriptTemplateEvaluator,
} from './load';
export { coerceInputString, instantiate, secretInputNames, validateInputValues, type InstantiateOptions } from './inputs';
export { BUILTIN_OUTPUTS, GATE_OUTPUTS } from './check';
export { DEFAULT_AGENT, FILE_DEBOUNCE_DEFAULT_MS, RETRY_DEFAULTS } from './normalize';
export { templateSchema } from './schema';
export { formatPath, type SourceLocator, type SourcePosition } from './problems';
export { findWorkflowCycles, workflowReferences, type WorkflowReference } from './references';
export {
  hasTrigger,
  TemplateRegistry,
  type InvalidTemplate,
  type RegistryNotice,
  type TemplateChangeSource,
  type TemplateFilter,
  type TemplateRegistryOptions,
  type TemplateSourceFolder,
  type TriggerKind,
} from './registry';
