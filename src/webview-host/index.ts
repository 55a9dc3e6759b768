export { WebviewBackend, PanelConnection, PanelRequestError, type PanelActions, type TemplateCatalog, type WebviewBackendOptions } from './backend';
export { StepLogIndex } from './stepLogs';
export { missingAgentCliMessage, readinessOf, secretsUsed, type ReadinessEnvironment } from './templates';
export type { ViewSource } from './viewModels';
export { importLegacyArchivedRuns, type LegacyArchiveImport, type LegacyArchivedRunIds } from './legacyArchive';
