import type { SimulatorVersion } from './types'
import { freemem, totalmem } from 'node:os'

const ARGV = ['main.py', '--listen', '127.0.0.1', '--cpu', '--comfy-tether-simulator']

/** `GET /system_stats` with the recorded keys of `version` and made-up values. */
export function systemStats(version: SimulatorVersion): Record<string, unknown> {
  const ramTotal = totalmem()
  const ramFree = freemem()
  const device = { name: 'cpu', type: 'cpu', index: null, vram_total: ramTotal, vram_free: ramFree, torch_vram_total: ramTotal, torch_vram_free: ramFree }
  const python = `3.11.2 (comfy-tether simulator, Node ${process.versions.node})`
  if (version === '0.3.44') {
    return {
      system: { os: 'posix', ram_total: ramTotal, ram_free: ramFree, comfyui_version: '0.3.44', python_version: python, pytorch_version: 'simulated', embedded_python: false, argv: ARGV },
      devices: [device],
    }
  }
  return {
    system: {
      os: 'linux',
      ram_total: ramTotal,
      ram_free: ramFree,
      comfyui_version: '0.33.0',
      required_frontend_version: '1.49.6',
      installed_templates_version: null,
      required_templates_version: '0.11.44',
      comfy_package_versions: [
        { name: 'comfyui-frontend-package', installed: null, required: '1.49.6' },
        { name: 'comfyui-workflow-templates', installed: null, required: '0.11.44' },
        { name: 'comfyui-embedded-docs', installed: null, required: '0.5.10' },
        { name: 'comfy-kitchen', installed: null, required: '0.2.31' },
        { name: 'comfy-aimdo', installed: null, required: '0.4.13' },
      ],
      python_version: python,
      pytorch_version: 'simulated',
      embedded_python: false,
      deploy_environment: 'local-git',
      argv: ARGV,
    },
    devices: [device],
  }
}
