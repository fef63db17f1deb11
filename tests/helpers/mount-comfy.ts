import type { VueWrapper } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { App, Component, DefineComponent } from 'vue'
import type { ComfyPluginOptions } from '../../src/index'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createApp, h } from 'vue'
import { comfyPlugin, useComfyStore } from '../../src/index'
import { FAST } from './fast'

export interface Mounted {
  app: App
  pinia: Pinia
  store: ReturnType<typeof useComfyStore>
  unmount: () => void
}

const mounted = new Set<Mounted>()

/** Mounts an app with Pinia and comfyPlugin and returns its store. Unmount with `unmountAll()` in afterEach. */
export function mountComfy(options: ComfyPluginOptions): Mounted {
  const pinia = createPinia()
  const app = createApp({ render: () => h('div') })
  app.use(pinia)
  app.use(comfyPlugin, { ...FAST, ...options })
  app.mount(document.createElement('div'))
  setActivePinia(pinia)
  const store = app.runWithContext(() => useComfyStore())
  const entry: Mounted = { app, pinia, store, unmount: () => {
    if (mounted.delete(entry))
      app.unmount()
  } }
  mounted.add(entry)
  return entry
}

/**
 * Mounts `component` with @vue/test-utils, with Pinia and comfyPlugin (FAST defaults under `options`), and returns the
 * wrapper and the app's store. Unmount with `enableAutoUnmount(afterEach)` in the test file.
 */
export function mountWithComfy(
  component: Component,
  options: ComfyPluginOptions,
  mountOptions: { props?: Record<string, unknown> } = {},
): { wrapper: VueWrapper, store: ReturnType<typeof useComfyStore> } {
  const wrapper: VueWrapper = mount(component as DefineComponent, {
    props: mountOptions.props,
    global: { plugins: [createPinia(), [comfyPlugin, { ...FAST, ...options }]] },
  })
  const store = wrapper.vm.$.appContext.app.runWithContext(() => useComfyStore())
  return { wrapper, store }
}

export function unmountAll(): void {
  for (const entry of [...mounted]) entry.unmount()
}

