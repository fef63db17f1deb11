// Static checks over the shipped code and the playground, on the TypeScript AST (not on text, so comments and strings
// that merely mention the words do not count, and `window['eval']` or `(0, eval)(…)` do):
// - nothing is ever evaluated from a string: no eval, no Function constructor, no string timers;
// - the playground never renders text as HTML: no v-html, no innerHTML/outerHTML, no insertAdjacentHTML or
//   document.write, so a server's error text or a file name can never become markup.
// The scanner is itself tested on a fixture, so that a scanner finding nothing cannot pass by accident.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-playground', 'coverage'])

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name))
        out.push(...filesUnder(path, extensions))
    }
    else if (extensions.some(ext => entry.name.endsWith(ext))) {
      out.push(path)
    }
  }
  return out.sort()
}

interface Finding {
  file: string
  line: number
  what: string
}

interface Source {
  /** Script code (TS/JS) with the line it starts at in the file. */
  scripts: { code: string, line: number }[]
  /** Vue template or HTML markup. */
  markup: { code: string, line: number }[]
}

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length

/** Splits a file into its scripts and its markup (.vue: <script> and <template>; .html: inline scripts and the rest). */
function splitSource(file: string, text: string): Source {
  if (file.endsWith('.ts') || file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.tsx'))
    return { scripts: [{ code: text, line: 1 }], markup: [] }
  const scripts: Source['scripts'] = []
  let markup = text
  for (const match of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) {
    const body = match[1] ?? ''
    scripts.push({ code: body, line: lineOf(text, match.index + match[0].indexOf(body)) })
    markup = markup.replace(match[0], match[0].replace(/[^\n]/g, ' '))
  }
  return { scripts, markup: [{ code: markup, line: 1 }] }
}

const NAMES_EVAL = new Set(['eval'])
const NAMES_FUNCTION = new Set(['Function', 'AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction'])
const HTML_SINKS = new Set(['innerHTML', 'outerHTML', 'srcdoc'])
const HTML_CALLS = new Set(['insertAdjacentHTML', 'createContextualFragment', 'write', 'writeln', 'parseFromString', 'setHTMLUnsafe'])
const STRING_TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate'])

function propertyName(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node))
    return node.name.text
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression))
    return node.argumentExpression.text
  return undefined
}

function calleeName(expression: ts.Expression): string | undefined {
  let e = expression
  // (0, eval)(…): the last element of a comma expression
  while (ts.isParenthesizedExpression(e) || (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken))
    e = ts.isParenthesizedExpression(e) ? e.expression : (e as ts.BinaryExpression).right
  if (ts.isIdentifier(e))
    return e.text
  return propertyName(e)
}

/** Findings in one script: string evaluation always; HTML sinks when `html` is set. */
function scanScript(file: string, code: string, firstLine: number, html: boolean): Finding[] {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS)
  const findings: Finding[] = []
  const add = (node: ts.Node, what: string): void => {
    findings.push({ file, line: firstLine + source.getLineAndCharacterOfPosition(node.getStart(source)).line, what })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node.expression)
      if (name && NAMES_EVAL.has(name))
        add(node, 'eval')
      if (name && NAMES_FUNCTION.has(name))
        add(node, 'Function constructor')
      // (async () => {}).constructor('…') builds a function from a string too.
      if (name === 'constructor' && node.arguments?.some(a => !ts.isSpreadElement(a)))
        add(node, 'constructor called with arguments (Function from a string?)')
      const first = node.arguments?.[0]
      if (name && STRING_TIMERS.has(name) && first && (ts.isStringLiteralLike(first) || ts.isTemplateExpression(first)))
        add(node, `${name} with a string`)
      // write/writeln only on document (streams have them too).
      const onDocument = ts.isPropertyAccessExpression(node.expression) && node.expression.expression.getText(source) === 'document'
      if (html && name && HTML_CALLS.has(name) && (onDocument || (name !== 'write' && name !== 'writeln')))
        add(node, `${name}()`)
    }
    // Indirect eval through a reference: `const e = eval`, `[eval][0](…)`.
    if (ts.isIdentifier(node) && NAMES_EVAL.has(node.text)) {
      const parent = node.parent
      const isCallee = (ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression === node
      const isName = (ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent)) && parent.name === node
      if (!isCallee && !isName)
        add(node, 'reference to eval')
    }
    if (html) {
      const sink = propertyName(node)
      if (sink && HTML_SINKS.has(sink))
        add(node, `.${sink}`)
      // h('div', { innerHTML: text }) and friends.
      if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && HTML_SINKS.has(node.name.getText(source).replace(/['"]/g, '')))
        add(node, `${node.name.getText(source)} in an object (a VNode prop?)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return findings
}

/** Findings in a Vue template or HTML document. */
function scanMarkup(file: string, code: string, firstLine: number): Finding[] {
  const findings: Finding[] = []
  const patterns: [RegExp, string][] = [
    [/\sv-html\b/g, 'v-html'],
    [/\s(?:v-bind)?:(?:inner-?html|outer-?html|inner-h-t-m-l|outer-h-t-m-l|srcdoc)\b/gi, 'innerHTML/outerHTML binding'],
    [/\s(?:v-bind)?:\[/g, 'dynamic attribute name (could bind innerHTML)'],
    [/\bv-bind="/g, 'v-bind of a whole object (could carry innerHTML)'],
    [/\beval\s*\(/g, 'eval in a template expression'],
    [/\bnew\s+Function\s*\(/g, 'Function constructor in a template expression'],
    [/\son(?:click|dblclick|load|error|input|change|submit|focus|blur|mouse[a-z]+|key[a-z]+|pointer[a-z]+)\s*=\s*["']/gi, 'inline DOM event handler attribute (evaluated from a string)'],
  ]
  for (const [pattern, what] of patterns) {
    for (const match of code.matchAll(pattern)) findings.push({ file, line: firstLine + lineOf(code, match.index) - 1, what })
  }
  return findings
}

function scanFile(file: string, html: boolean): Finding[] {
  const text = readFileSync(file, 'utf8')
  const { scripts, markup } = splitSource(file, text)
  const name = relative(ROOT, file)
  return [
    ...scripts.flatMap(s => scanScript(name, s.code, s.line, html)),
    ...(html ? markup.flatMap(m => scanMarkup(name, m.code, m.line)) : []),
  ]
}

const format = (findings: Finding[]): string[] => findings.map(f => `${f.file}:${f.line} ${f.what}`)

describe('the scanner', () => {
  it('finds every kind of string evaluation and HTML sink in a fixture', () => {
    const code = [
      'eval("1");',
      'window.eval("1");',
      'globalThis["eval"]("1");',
      '(0, eval)("1");',
      'const e = eval;',
      'run(eval);',
      'new Function("return 1");',
      'Function("return 1")();',
      'const f = (async () => {}).constructor("return 1");',
      'setTimeout("alert(1)", 10);',
      'el.innerHTML = text;',
      'el["outerHTML"] = text;',
      'el.insertAdjacentHTML("beforeend", text);',
      'document.write(text);',
      'h("div", { innerHTML: text });',
    ].join('\n')
    const found = scanScript('fixture.ts', code, 1, true).map(f => f.line)
    expect(new Set(found)).toEqual(new Set(Array.from({ length: 15 }, (_, i) => i + 1)))
    // Mentions are not uses.
    const harmless = ['// never eval a frame; no innerHTML', 'const s = "eval(x) and new Function()"', 'obj.evaluate(x)', 'type F = Function', 'setTimeout(() => {}, 1)', 'process.stdout.write(text)'].join('\n')
    expect(format(scanScript('fixture.ts', harmless, 1, true))).toEqual([])
    const template = '<template>\n  <p v-html="msg" />\n  <div :innerHTML="msg" />\n  <div v-bind:inner-html="msg" />\n  <a onclick="go()">x</a>\n  <p>{{ msg }}</p>\n</template>'
    expect(scanMarkup('Fixture.vue', template, 1).map(f => f.line).sort()).toEqual([2, 3, 4, 5])
  })

  it('maps findings in a .vue file to their lines', () => {
    const text = '<template>\n  <p v-html="x" />\n</template>\n<script setup lang="ts">\nconst a = 1\nel.innerHTML = a\n</script>\n'
    const { scripts, markup } = splitSource('X.vue', text)
    expect(scripts.flatMap(s => scanScript('X.vue', s.code, s.line, true)).map(f => f.line)).toEqual([6])
    expect(markup.flatMap(m => scanMarkup('X.vue', m.code, m.line)).map(f => f.line)).toEqual([2])
  })
})

describe('source scan', () => {
  const src = filesUnder(join(ROOT, 'src'), ['.ts', '.vue', '.js'])
  const playground = filesUnder(join(ROOT, 'playground'), ['.ts', '.vue', '.js', '.html'])

  it('finds no eval, Function constructor or string timer in src/ and playground/', () => {
    expect(src.length).toBeGreaterThan(20)
    expect(playground.some(f => f.endsWith('.vue'))).toBe(true)
    expect(format([...src, ...playground].flatMap(f => scanFile(f, false)))).toEqual([])
  })

  it('never renders text as HTML in the playground (no v-html, innerHTML, insertAdjacentHTML, document.write)', () => {
    expect(format(playground.flatMap(f => scanFile(f, true)))).toEqual([])
  })
})
