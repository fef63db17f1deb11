// What a client starts loading in the background when it is created, one chunk (one request, see load-background.ts):
// the task runner (submit, cancel), placement's choice (health checks, server choice), the frame router, the
// duplicate-tab guard, the node info cache and the reader of a server's queue, the debug helpers, a locked server's
// tether (its socket, polls and outage clock) and the workflow views (ETAs, queue positions, outputs). Each has a
// small stand-in in the startup code until it is there.
export { startClientIdGuard } from './client-id-guard'
export { leaveToOriginalTab } from './duplicate-tab'
export { createEngineFrameRouter } from './engine-frames'
export { createInspectReads } from './inspect-reads'
export { createLockRelease } from './lock-release'
export { refuseIfDown } from './locked-server-down'
export { createNodeInfoCache } from './node-info-cache'
export { createPlacer } from './place-tasks'
export { createServerQueue } from './server-queue'
export { createServerTether } from './server-tether'
export { updateServerStatus } from './server-status'
export { noteClosingSocket } from './socket-close-wait'
export { hearTaskEnds } from './task-end-times'
export { taskResult } from './task-result'
export { createTaskRunner } from './task-runner'
export { createWorkflowInsight } from './workflow-insight'
