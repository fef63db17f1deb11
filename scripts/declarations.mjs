// The package's declarations, as every consumer resolves them: `tsc -p tsconfig.build.json` emits one `.d.ts` per
// source file with the specifiers of the source (`from './client'`), which `moduleResolution: "bundler"` resolves and
// `node16`/`nodenext` does not (an ES module's relative import needs its file name): there every type of the package
// became an error, or `any` under `skipLibCheck`. So after tsc, every relative specifier is rewritten to the file it
// names (`./client.js`, `./client/index.js`), which both resolutions accept. Then only the files the public entries
// reach (package.json `exports`) are kept: internal modules no public type needs do not ship.
// Runs in `npm run build`; `node scripts/declarations.mjs <outDir>` emits to another folder (tests use it).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, posix, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
/** @type {typeof import('typescript')} */
const ts = require('typescript')

/** Where package.json's `types` conditions point; the emitted tree is `src/` under it. */
const TYPES_DIR = './dist/types/'

/** `.`, `..`, `./x`, `../x`: the specifiers that name a file of the package itself. */
const RELATIVE = /^\.\.?(?:\/|$)/

/** Every `.d.ts` file under `dir`, as absolute paths. */
function declarationFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map(entry => join(entry.parentPath, entry.name))
}

/** The string literals naming modules in a declaration file: imports, re-exports, `import('…')` types. */
function moduleSpecifiers(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found = []
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push(node.moduleSpecifier)
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      found.push(node.argument.literal)
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name))
      found.push(node.name)
    else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression))
      found.push(node.expression)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The declaration file a relative specifier of `from` names, and the specifier node16 resolution accepts for it. */
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier.replace(/\.(?:[cm]?js|d\.ts)$/, ''))
  for (const [file, suffix] of [[`${base}.d.ts`, '.js'], [join(base, 'index.d.ts'), '/index.js']]) {
    if (existsSync(file)) {
      const stem = specifier.replace(/\.(?:[cm]?js|d\.ts)$/, '').replace(/\/$/, '')
      return { file, specifier: `${stem}${suffix}` }
    }
  }
  throw new Error(`[comfy-tether] ${relative(ROOT, from)} imports "${specifier}", which names no emitted declaration file. `
    + 'Import a module of src/ (a file or a folder with an index.ts).')
}

/** Rewrites the relative specifiers of one file; returns the declaration files it imports. */
function rewriteFile(file) {
  const text = readFileSync(file, 'utf8')
  const edits = []
  const imports = []
  for (const literal of moduleSpecifiers(file, text)) {
    if (!RELATIVE.test(literal.text))
      continue
    const target = resolveRelative(file, literal.text)
    imports.push(target.file)
    if (target.specifier !== literal.text)
      edits.push({ start: literal.getStart() + 1, end: literal.getEnd() - 1, text: target.specifier })
  }
  let next = text
  for (const edit of edits.sort((a, b) => b.start - a.start))
    next = next.slice(0, edit.start) + edit.text + next.slice(edit.end)
  if (next !== text)
    writeFileSync(file, next)
  return imports
}

/** Removes the folders under `dir` that pruning left empty. */
function removeEmptyFolders(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const path = join(dir, entry.name)
      removeEmptyFolders(path)
      if (readdirSync(path).length === 0)
        rmdirSync(path)
    }
  }
}

/**
 * Emits the declarations into `outDir`, rewrites their relative specifiers and keeps only what the public entries
 * reach. Returns the kept files, relative to `outDir`, with `/` separators.
 */
export function emitDeclarations(outDir = join(ROOT, TYPES_DIR)) {
  rmSync(outDir, { recursive: true, force: true })
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, encoding: 'utf8' })
  if (tsc.status !== 0)
    throw new Error(`[comfy-tether] tsc failed to emit the declarations:\n${tsc.stdout}${tsc.stderr}`)
  const exportsField = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports
  const entries = Object.values(exportsField)
    .map(target => (typeof target === 'object' && target !== null ? target.types : undefined))
    .filter(types => typeof types === 'string')
    .map(types => join(outDir, types.slice(TYPES_DIR.length)))
  const reached = new Set()
  const queue = [...entries]
  while (queue.length > 0) {
    const file = queue.pop()
    if (reached.has(file))
      continue
    if (!existsSync(file))
      throw new Error(`[comfy-tether] package.json exports names ${relative(ROOT, file)}, which tsc did not emit.`)
    reached.add(file)
    queue.push(...rewriteFile(file))
  }
  for (const file of declarationFiles(outDir)) {
    if (!reached.has(file))
      rmSync(file)
  }
  removeEmptyFolders(outDir)
  return [...reached].map(file => relative(outDir, file).split(sep).join(posix.sep)).sort()
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const kept = emitDeclarations(process.argv[2] ? resolve(process.argv[2]) : undefined)
    console.log(`comfy-tether: ${kept.length} declaration files, relative imports with their file names`)
  }
  catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
}
