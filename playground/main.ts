import { comfyPlugin } from 'comfy-tether'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { labels, servers } from 'virtual:comfy-servers'
import App from './App.vue'
import { currentMode } from './mode'
import { MAX_OUTAGE_MS } from './outage'
import './style.css'

const app = createApp(App)
app.use(createPinia())
app.use(comfyPlugin, {
  servers: servers.map((url, i) => ({ url, label: labels[i] })),
  // From the query string (`?affinity=task&maxTasksPerServer=2`); the mode switch on the page reloads with a new one.
  affinity: currentMode.affinity,
  maxTasksPerServer: currentMode.maxTasksPerServer,
  // Short delays, so a dropped socket or a restart plays out in a few seconds.
  reconnect: { baseDelay: 250, maxDelay: 2000, jitter: 'full' },
  reconcile: { interval: 1000, lostGrace: 2500 },
  maxOutage: MAX_OUTAGE_MS,
  // `window.comfyTether.debugLock()` & co. in the console.
  exposeOnWindow: true,
})
app.mount('#app')
