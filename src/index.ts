// The Vue + Pinia layer: plugin, store, composables, and the types and errors an app needs.
export { comfyPlugin } from './vue/plugin'
export { useComfyStore } from './vue/use-comfy-store'
export type { ComfyStore, ComfyTaskHandle, ComfyTaskResult, LockDebugInfo, SubmitOptions } from './vue/use-comfy-store'
export { useComfyHttp } from './vue/use-comfy-http'
export { COMFY_DEFAULTS } from './vue/options'
export type { ComfyLogger, ComfyPersistOptions, ComfyPluginOptions, ComfyReconcileOptions, ComfyReconnectOptions, ComfyServerConfig, ResolvedComfyOptions } from './vue/options'
export { COMFY_OPTIONS_KEY } from './vue/keys'
export { resolveComfyOptions } from './vue/resolve-options'
export type { ComfySocketState } from './vue/use-comfy-socket'
export {
  ComfyTetherError,
  ExecutionFailedError,
  InvalidArgumentError,
  InvalidServerUrlError,
  isComfyTetherError,
  LockBusyError,
  NoServerAvailableError,
  PromptRejectedError,
  ProtocolError,
  RequestFailedError,
  ServerMismatchError,
  ServerUnreachableError,
  TaskCancelledError,
  TaskInterruptedError,
  TaskLostError,
  TaskNotFoundError,
  UploadFailedError,
} from './core/errors'
export type { ComfyNodeError, ComfyTetherErrorCode, TaskLostReason } from './core/errors'
export { ClientDisposedError, LockedServerDownError } from './core/errors'
export type { TaskCancelHow } from './core/errors'
export type { ComfyImageRef, HistoryEntry, QueueSnapshot } from './core/api-types'
export type { LockEvent, LockEventKind } from './core/lock-log'
export type { LockReason, ServerConsistency, ServerLock, UnlockCondition } from './core/server-lock'
export type { ServerCandidate, ServerStatus, ServerStrategy } from './core/server-pool'
export type { ComfyTask, TaskPreview, TaskState } from './core/task-state'
export type { ComfyWorkflow } from './core/validate-input'
