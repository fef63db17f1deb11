// The engine's parts that only asynchronous calls or the debug helpers read, one chunk (one request):
// load-engine-parts.ts loads it in the background when a client is created.
export { createNodeInfoCache } from './node-info-cache'
export { createServerQueue } from './server-queue'
export { createInspectReads } from './inspect-reads'
