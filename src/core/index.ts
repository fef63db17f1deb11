// comfy-tether/core: the framework-free rules and data (no Vue, Pinia, vueuse or axios).
// A reviewed list (issue #22; `npm run bench -- core-exports` counts it, goal ≤ 60 values): what a program of its own
// needs to talk to ComfyUI without the engine. The engine's own parts (lock rules, placement, backoff, timers, ids,
// the lock log, secrets, lazy chunks, ETA bookkeeping) stay internal; its errors are in comfy-tether/client, and
// isComfyTetherError(error, code) narrows any of them by code. The table is in docs/api.md#comfy-tethercore.

// Errors: the base, the guard, those the functions below throw, and those a task ends with.
export {
  ComfyTetherError,
  InvalidArgumentError,
  InvalidServerUrlError,
  isComfyTetherError,
  ProtocolError,
  ServerMismatchError,
  TaskLostError,
} from './errors'
export { ExecutionFailedError, TaskCancelledError, TaskInterruptedError } from './task-errors'
export { PromptRejectedError } from './request-errors'
export type { ComfyNodeError, ComfyTetherErrorByCode, ComfyTetherErrorCode, TaskCancelHow, TaskLostReason } from './errors'
export { NoCapableServerError, WorkflowCheckError, WorkflowParamsError } from './workflow-errors'
export type { WorkflowParamsProblem, WorkflowProblem, WorkflowProblemKind, WorkflowRefusal } from './workflow-errors'

// The URL model: one spelling per server, its socket and /view URLs, which server owns a URL.
export { isUrlOnServer, normalizeServerUrl, serverOfUrl, serverViewUrl, serverWsUrl } from './server-url'
export type { QueryCredential } from './server-url'
export { redactUrl } from './redact-url'
export { assertDistinctServers, DuplicateServerError, serverIdentity } from './server-identity'

// The task reducer: a task's lifecycle from socket messages, previews and server evidence.
export { createTask, endTask, isTerminal } from './task-state'
export { applyMessage, applyPreview, messagePromptId } from './task-frames'
export { reconcileTask } from './task-reconcile'
export type { ComfyTask, TaskPreview, TaskState } from './task-state'
export type { ServerEvidence } from './task-reconcile'

// Parsers of ComfyUI's socket frames and HTTP answers: `{ ok: true, value } | { ok: false, reason }`, never a throw.
export { parseMessage } from './protocol'
export type {
  ComfyMessage,
  ComfyMessageOf,
  ComfyMessageType,
  ExecutedData,
  ExecutingData,
  ExecutionCachedData,
  ExecutionErrorData,
  ExecutionInterruptedData,
  ExecutionStartData,
  ExecutionSuccessData,
  NodeProgressState,
  ParseResult,
  ProgressData,
  ProgressStateData,
  StatusData,
  UnknownComfyMessage,
} from './protocol'
export { parseBinaryFrame } from './binary-frames'
export type { BinaryFrame, PreviewMetadata } from './binary-frames'
export { parseHistory } from './history-parsers'
export { collectOutputImages, historyOutcome } from './history-outcome'
export { isComfyImageRef } from './json-checks'
export {
  parseFeatures,
  parseJob,
  parseJobList,
  parsePromptAccepted,
  parsePromptError,
  parseQueue,
  parseQueueRemaining,
  parseSystemStats,
  parseUploadResult,
} from './rest-parsers'
export type {
  ComfyImageRef,
  ExecutionFailure,
  History,
  HistoryEntry,
  HistoryOutcome,
  HistoryStatus,
  JobInfo,
  JobList,
  JobStatus,
  NodeOutput,
  NodeOutputs,
  PromptAccepted,
  PromptErrorBody,
  PromptErrorInfo,
  QueueItem,
  QueueSnapshot,
  ServerFeatures,
  SystemStats,
  UploadResult,
} from './api-types'
export { parseObjectInfo } from './object-info'
export type { NodeClassInfo, ObjectInfo, ObjectInfoInputSpec } from './object-info'
export { normalizeOutputs } from './outputs'
export type { NormalizedOutputs, OutputFile, OutputFileKind, OutputValue } from './outputs'

// Workflows: shape check, UI-format conversion, templates, and the checks against a server's node info.
export { assertWorkflow } from './validate-input'
export type { ComfyWorkflow } from './validate-input'
export { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from './ui-workflow'
export type { ObjectInfoNode, UiNode, UiWorkflow, UiWorkflowErrorReason } from './ui-workflow'
export { defineWorkflow, fillWorkflow, isWorkflowTemplate } from './workflow-template'
export type { DefineWorkflowOptions, FilledWorkflow, FillWorkflowOptions, ParamBinding, ParamTarget, ParamValue, SeedRange, WorkflowTemplate, WorkflowValues } from './workflow-template'
export { assertWorkflowFits, canRun, capableServers, judgeWorkflow, validateWorkflow } from './validate-workflow'
export type { CanRunOptions, ValidateWorkflowOptions, WorkflowVerdict } from './validate-workflow'

// Data types of what the engine reports (its lock, servers, log, progress), for code that reads them.
export type { LockReason, ServerConsistency, ServerLock, UnlockCondition } from './server-lock'
export type { ServerCandidate, ServerStatus, ServerStrategy } from './server-pool'
export type { LockEvent, LockEventKind } from './lock-log'
export type { Timers } from './timers'
export type { WorkflowProgress } from './workflow-progress'
