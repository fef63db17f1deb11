// Bench 4: bundle size of the main entry. Builds the library with the project's own vite.config.ts (library mode,
// peers external) into temporary directories, not dist/, so nobody's dist/ is touched: once as configured (unminified,
// what the package ships) and once with `--minify` (what an app's production bundler makes of it). Measures gzip
// (node:zlib, level 9) of dist/index.js plus every chunk it reaches by static imports inside the output, testing excluded.
import type { BenchResult } from './stats'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { round, verdictOf } from './stats'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const KB = 1024
/** Quoted in the issue, not measured here. */
const REFERENCES = [
  { name: '@saintno/comfyui-sdk 0.3.1', kb: 10.2 },
  { name: '@stable-canvas/comfyui-client 1.5.9', kb: 10.6 },
] as const
const TARGET_KB = 6

const STATIC_IMPORT = /\b(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g

/** The files dist/index.js loads statically, itself included, within the output directory. */
export function staticClosure(outDir: string, entry: string): string[] {
  const seen = new Set<string>()
  const queue = [resolve(outDir, entry)]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file))
      continue
    seen.add(file)
    const code = readFileSync(file, 'utf8')
    for (const match of code.matchAll(STATIC_IMPORT)) {
      const target = resolve(dirname(file), match[1]!)
      if (!target.startsWith(outDir) || /(?:^|\/)testing[^/]*\.js$/.test(target))
        continue
      queue.push(target)
    }
  }
  return [...seen].sort()
}

function build(outDir: string, minify: boolean): void {
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js')
  const args = [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...(minify ? ['--minify', 'oxc'] : [])]
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  if (run.status !== 0 || !existsSync(join(outDir, 'index.js'))) {
    const output = `${run.stderr ?? ''}\n${run.stdout ?? ''}`.split('\n').map(l => l.trim()).filter(Boolean)
    const reason = output.find(l => /error|not found|cannot|failed/i.test(l)) ?? output[0] ?? `exit ${run.status}`
    throw new Error(`vite build${minify ? ' --minify' : ''} failed (src may be mid-edit): ${reason}`)
  }
}

// Run in a child process: vite sets process.env.NODE_ENV while building, which would switch Vue to its production
// build for the benches that follow.
const APP_BUILD = `
import { gzipSync } from 'node:zlib'
const { build } = await import('vite')
const [entry] = process.argv.slice(1)
const out = await build({ configFile: false, logLevel: 'warn', build: { write: false, target: 'es2022', minify: 'oxc',
  lib: { entry: { app: entry }, formats: ['es'] },
  rolldownOptions: { external: [/^vue$/, /^pinia$/, /^axios$/, /^@vueuse\\//, /^ws$/, /^pngjs$/, /^node:/] } } })
const chunks = (Array.isArray(out) ? out : [out]).flatMap(o => o.output).filter(c => c.type === 'chunk')
const modules = chunks.flatMap(c => Object.entries(c.modules)).map(([id, m]) => ({ id, renderedLength: m.renderedLength })).filter(m => m.renderedLength > 0).sort((a, b) => b.renderedLength - a.renderedLength)
const code = chunks.map(c => c.code).join('\\n')
console.log(JSON.stringify({ bytes: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length, modules }))
`

/** What an app that imports `comfyPlugin` and `useComfyStore` ships: a tree-shaken, minified bundle of src. */
function appBundle(dir: string): { bytes: number, gzip: number, modules: { id: string, renderedLength: number }[] } {
  const entry = join(dir, 'app.js')
  writeFileSync(entry, `export { comfyPlugin, useComfyStore } from ${JSON.stringify(join(ROOT, 'src/index.ts'))}\n`)
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', APP_BUILD, entry], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  const line = run.stdout.trim().split('\n').pop() ?? ''
  if (run.status !== 0 || !line.startsWith('{'))
    throw new Error(`app bundle build failed: ${(run.stderr || run.stdout).trim().split('\n')[0]}`)
  const result = JSON.parse(line) as { bytes: number, gzip: number, modules: { id: string, renderedLength: number }[] }
  return { ...result, modules: result.modules.map(m => ({ ...m, id: relative(ROOT, m.id) })) }
}

function measure(outDir: string): { files: { file: string, bytes: number, gzip: number }[], gzipSum: number, gzipConcat: number, bytes: number } {
  const files = staticClosure(outDir, 'index.js').map((file) => {
    const code = readFileSync(file)
    return { file: relative(outDir, file), bytes: code.length, gzip: gzipSync(code, { level: 9 }).length }
  })
  const concat = Buffer.concat(files.map(f => readFileSync(join(outDir, f.file))))
  return {
    files,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    gzipSum: files.reduce((n, f) => n + f.gzip, 0),
    gzipConcat: gzipSync(concat, { level: 9 }).length,
  }
}

export function benchBundle(): BenchResult {
  const base = mkdtempSync(join(tmpdir(), 'comfy-tether-bench-'))
  const name = 'bundle: dist/index.js + static chunks, gzip -9'
  const baseline = `quoted: ${REFERENCES.map(r => `${r.kb} KB`).join(', ')} (not measured)`
  const target = { op: '<=' as const, value: TARGET_KB, of: 'value' as const, unit: 'KB min+gz' }
  try {
    let app: ReturnType<typeof appBundle> | { error: string }
    try {
      app = appBundle(base)
    }
    catch (error) {
      app = { error: error instanceof Error ? error.message : String(error) }
    }
    const appNote = 'gzip' in app
      ? [`an app importing only comfyPlugin + useComfyStore (tree-shaken from src, minified) ships ${(app.gzip / KB).toFixed(2)} KB gz; largest modules by rendered chars: ${app.modules.slice(0, 4).map(m => `${m.id} ${m.renderedLength}`).join(', ')}`]
      : [app.error]
    let plain: ReturnType<typeof measure>
    let min: ReturnType<typeof measure>
    try {
      build(join(base, 'plain'), false)
      build(join(base, 'min'), true)
      plain = measure(join(base, 'plain'))
      min = measure(join(base, 'min'))
    }
    catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return { id: 'bundle-size', name, measured: '—', baseline, ratio: null, target, verdict: 'error', details: { error: message, treeShakenApp: app }, notes: [message, ...appNote] }
    }
    // Judged: minified (what an app ships), each file gzipped on its own (as served).
    const kb = min.gzipSum / KB
    return {
      id: 'bundle-size',
      name,
      measured: `${kb.toFixed(2)} KB min+gz (${(plain.gzipSum / KB).toFixed(2)} KB unminified)`,
      baseline,
      ratio: round(kb / REFERENCES[0].kb),
      value: round(kb, 2),
      target,
      verdict: verdictOf(kb, target),
      details: { kb: KB, minified: min, asShipped: plain, treeShakenApp: app, references: REFERENCES, ratioVs: REFERENCES[0].name },
      notes: [
        ...appNote,
        `ratio = min+gz size ÷ the quoted ${REFERENCES[0].kb} KB of ${REFERENCES[0].name}; the verdict is on the absolute size (≤ ${TARGET_KB} KB, 1 KB = 1024 B)`,
        `references (quoted figures, not measured in this run): ${REFERENCES.map(r => `${r.name} ${r.kb} KB gzip`).join(', ')}`,
        `files: ${min.files.map(f => `${f.file} ${(f.gzip / KB).toFixed(2)} KB`).join(' + ')} (min+gz); peers (vue, pinia, axios, @vueuse/*) external`,
      ],
    }
  }
  finally {
    rmSync(base, { recursive: true, force: true })
  }
}
