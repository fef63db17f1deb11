import { shallowRef } from 'vue'

/**
 * Submits made on this page that have no server yet: in task mode a submit waits in the client while every server
 * holds `maxTasksPerServer` of our tasks. They are not in the store's `pendingCount`, and a reload would drop them.
 */
export const waitingSubmits = shallowRef(0)
