/** Triggers: cron schedules, file changes, webhooks and run events, behind ports (see ports.ts). */
export { TriggerHost, type TriggerHostOptions } from './host';
export { EventTriggers, type EventTriggerPayload } from './event';
export { FileTriggers, MAX_WAIT_FACTOR, type FileTriggerOptions, type FileTriggerPayload } from './file';
export {
  MAX_CATCHUP_RUNS,
  MISSED_GRACE_MS,
  ScheduleTriggers,
  scheduleId,
  type ScheduleFiring,
  type ScheduleTriggerPayload,
} from './schedule';
export {
  WEBHOOK_BODY_LIMIT,
  WEBHOOK_DELIVERY_RETENTION_MS,
  WebhookListenError,
  WebhookServer,
  isLoopbackHostHeader,
  signWebhookBody,
  verifyWebhookSignature,
  webhookSecretName,
  type WebhookServerOptions,
} from './webhook';
export type {
  FileEvent,
  FileEventKind,
  FileEventSource,
  TaskEnd,
  TriggerEngine,
  TriggerHostPorts,
  TriggerStorePort,
  TriggerTemplates,
  TrustVerdict,
} from './ports';
export { NodeFileEventSource } from './fs-watch';
