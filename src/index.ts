// The Vue + Pinia layer: plugin, store, composables, and the types and errors an app needs.
export { comfyPlugin } from './vue/plugin'
export { useComfyStore } from './vue/use-comfy-store'
export type { ComfyStore, ComfyTaskHandle, ComfyTaskResult, LockDebugInfo, SubmitOptions } from './vue/use-comfy-store'
export { useComfyHttp } from './vue/use-comfy-http'
export { useComfyTask } from './vue/use-comfy-task'
export type { ComfyTaskSource, UseComfyTaskReturn } from './vue/use-comfy-task'
export type { ComfyPluginClientOptions, ComfyPluginConfigOptions, ComfyPluginInstallOptions } from './vue/plugin-options'
export type { ComfyClient } from './client/client-types'
export type { ComfyClientTaskHandle } from './client/types'
export { COMFY_DEFAULTS } from './client/options'
export type { ComfyLogger, ComfyPersistOptions, ComfyPluginOptions, ComfyReconcileOptions, ComfyReconnectOptions, ComfyServerAuth, ComfyServerConfig, ResolvedComfyOptions } from './client/options'
export type { LoadedImage } from './http/load-image'
export { DuplicateServerError } from './core/server-identity'
export { UnresolvableTargetError } from './core/target-errors'
export { COMFY_OPTIONS_KEY } from './vue/keys'
export { resolveComfyOptions } from './client/resolve-options'
export type { ComfySocketState } from './vue/use-comfy-socket'
export {
  ComfyTetherError,
  InvalidArgumentError,
  InvalidServerUrlError,
  isComfyTetherError,
  LockBusyError,
  NoServerAvailableError,
  ProtocolError,
  ServerMismatchError,
  TaskLostError,
} from './core/errors'
export { ExecutionFailedError, TaskCancelledError, TaskInterruptedError } from './core/task-errors'
export { LockedServerDownError, PromptRejectedError, RequestFailedError, ServerUnreachableError, TaskNotFoundError, UploadFailedError } from './core/request-errors'
export type { ComfyNodeError, ComfyTetherErrorByCode, ComfyTetherErrorCode, TaskLostReason } from './core/errors'
export { ClientDisposedError } from './core/errors'
export { ChunkLoadError } from './core/lazy-chunk'
export type { TaskCancelHow } from './core/errors'
export type { ComfyImageRef, HistoryEntry, QueueSnapshot } from './core/api-types'
export type { LockEvent, LockEventKind } from './core/lock-log'
export type { LockReason, ServerConsistency, ServerLock, UnlockCondition } from './core/server-lock'
export type { ServerCandidate, ServerStatus, ServerStrategy } from './core/server-pool'
export type { ComfyTask, TaskPreview, TaskState } from './core/task-state'
export type { ComfyWorkflow } from './core/validate-input'
export { defineWorkflow, isWorkflowTemplate } from './core/workflow-template'
export type { DefineWorkflowOptions, ParamTarget, ParamValue, WorkflowTemplate, WorkflowValues } from './core/workflow-template'
export { NoCapableServerError, WorkflowCheckError, WorkflowParamsError } from './core/workflow-errors'
export type { WorkflowParamsProblem, WorkflowProblem, WorkflowProblemKind, WorkflowRefusal } from './core/workflow-errors'
export { canRun, judgeWorkflow, validateWorkflow } from './core/validate-workflow'
export type { CanRunOptions, WorkflowVerdict } from './core/validate-workflow'
export { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from './core/ui-workflow'
export type { UiWorkflow, UiWorkflowErrorReason } from './core/ui-workflow'
export type { NodeClassInfo, ObjectInfo } from './core/object-info'
export type { NormalizedOutputs, OutputFile, OutputFileKind, OutputValue } from './core/outputs'
export type { WorkflowProgress } from './core/workflow-progress'
export type { TaskWorkflowView } from './client/workflow-insight'
export { useComfyServerApi } from './vue/use-comfy-server-api'
export type { ComfyServerApi, FreeOptions, JobListQuery } from './http/comfy-server-api'
