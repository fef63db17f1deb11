// comfy-tether/core: the framework-free rules and data (no Vue, Pinia, vueuse or axios).
export {
  ComfyTetherError,
  ExecutionFailedError,
  InvalidArgumentError,
  InvalidServerUrlError,
  isComfyTetherError,
  LockBusyError,
  NoServerAvailableError,
  ProtocolError,
  ServerMismatchError,
  TaskCancelledError,
  TaskInterruptedError,
  TaskLostError,
} from './errors'
export { PromptRejectedError, RequestFailedError, ServerUnreachableError, TaskNotFoundError, UploadFailedError } from './request-errors'
export type { ComfyNodeError, ComfyTetherErrorByCode, ComfyTetherErrorCode, TaskLostReason } from './errors'
export { describeTarget, isUrlOnServer, normalizeServerUrl, ownerOf, redactUrl, resolveTarget, serverOfUrl, serverViewUrl, serverWsUrl } from './server-url'
export type { QueryCredential, ResolvedTarget } from './server-url'
export { assertDistinctServers, configuredServer, DuplicateServerError, serverIdentity } from './server-identity'
export { UnresolvableTargetError } from './target-errors'
export { redactText, registerSecrets, SanitizedCause } from './safe-error'
export { ClientDisposedError, LockedServerDownError } from './errors'
export { ChunkLoadError } from './lazy-chunk'
export type { TaskCancelHow } from './errors'
export { acquireLock, checkRequestTarget, checkServerConsistency, checkUnlockCondition, lockedServerFor } from './server-lock'
export type { LockReason, LockView, ServerConsistency, ServerLock, UnlockCondition } from './server-lock'
export { chooseServer, leastBusyStrategy } from './server-pool'
export type { ServerCandidate, ServerStatus, ServerStrategy } from './server-pool'
export { applyMessage, applyPreview, createTask, endTask, isTerminal, messagePromptId, reconcileTask } from './task-state'
export type { ComfyTask, ServerEvidence, TaskPreview, TaskState } from './task-state'
export { MAX_TEXT_FRAME_BYTES, parseMessage } from './protocol'
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
export { BINARY_EVENT, parseBinaryFrame } from './binary-frames'
export type { BinaryFrame, PreviewMetadata } from './binary-frames'
export { collectOutputImages, historyOutcome, parseHistory } from './history-parsers'
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
export { backoffCeiling, backoffDelay } from './backoff'
export type { BackoffOptions } from './backoff'
export { createTimerGroup, defaultTimers } from './timers'
export type { Timers } from './timers'
export { mintClientId, mintUuid } from './ids'
export { appendBounded } from './lock-log'
export type { LockEvent, LockEventKind } from './lock-log'
export { assertImage, assertWorkflow, MAX_WORKFLOW_BYTES } from './validate-input'
export type { ComfyWorkflow } from './validate-input'
export { fromUiWorkflow, isUiWorkflow, UiWorkflowError } from './ui-workflow'
export type { ObjectInfoNode, UiNode, UiWorkflow, UiWorkflowErrorReason } from './ui-workflow'
export { defineWorkflow, fillWorkflow, isWorkflowTemplate, randomSeed } from './workflow-template'
export type { DefineWorkflowOptions, FilledWorkflow, FillWorkflowOptions, ParamBinding, ParamTarget, ParamValue, SeedRange, WorkflowTemplate, WorkflowValues } from './workflow-template'
export { NoCapableServerError, WorkflowCheckError, WorkflowParamsError } from './workflow-errors'
export type { WorkflowParamsProblem, WorkflowProblem, WorkflowProblemKind, WorkflowRefusal } from './workflow-errors'
export { assertWorkflowFits, canRun, capableServers, isLink, judgeWorkflow, validateWorkflow } from './validate-workflow'
export type { CanRunOptions, ValidateWorkflowOptions, WorkflowVerdict } from './validate-workflow'
export { comboOptions, inputSpec, parseObjectInfo } from './object-info'
export type { NodeClassInfo, ObjectInfo, ObjectInfoInputSpec } from './object-info'
export { normalizeOutputs } from './outputs'
export type { NormalizedOutputs, OutputFile, OutputFileKind, OutputValue } from './outputs'
export { advanceWorkflowProgress, estimateRemaining, nodesToRun, recordRunTime, RUN_TIMES_KEPT, runTimesOf, startWorkflowProgress, workflowKey } from './workflow-progress'
export type { RunTimes, WorkflowProgress } from './workflow-progress'
