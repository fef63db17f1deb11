// Extracts the ```ts and ```vue code blocks of a Markdown file as the files the README type-check compiles.
// The convention (also documented at the top of readme-typecheck.test.ts):
// - a block whose first line starts with a comment naming a file (`// main.ts`, `<!-- App.vue: … -->`) is written under that name, so blocks
//   can import each other (`import App from './App.vue'`); any other block becomes `readme-<line>.ts|vue`;
// - an HTML comment `<!-- typecheck-prelude … -->` right before a block holds hidden lines placed before its code
//   (for a vue block, at the start of its `<script>`), e.g. `declare const workflow: ComfyWorkflow` for a fragment
//   that uses a value the reader brings;
// - a line `<!-- quick-start -->` right before a fence marks a block of the quick start, which
//   tests/browser/readme-quick-start.test.ts runs as it stands (so it takes no prelude).

/** One code block, ready to be written as a file. */
export interface CodeBlock {
  /** The file name it is compiled as. */
  file: string
  /** The file's text: prelude and code. */
  text: string
  /** The block's code as the README shows it. */
  code: string
  /** For each line of `text` (0-based), the 1-based README line it came from. */
  lines: number[]
  /** Marked `<!-- quick-start -->`: run as it stands by the quick-start test. */
  quickStart: boolean
}

/** The marker of a quick-start block, on the line right before its fence. */
export const QUICK_START_MARKER = '<!-- quick-start -->'

const FENCE = /^```(ts|vue)\s*$/
const FILE_NAME = /^(?:\/\/|<!--)\s*([\w.-]+\.(?:ts|vue))(?::|\s|-->|$)/
const PRELUDE_END = /-->\s*$/

/** The prelude lines (with their README line numbers) of the comment ending on line `end` (0-based), if any. */
function preludeBefore(source: string[], end: number): { text: string, line: number }[] {
  if (end < 0 || !PRELUDE_END.test(source[end]!))
    return []
  let start = end
  while (start >= 0 && !source[start]!.startsWith('<!--')) start--
  if (start < 0 || !/^<!--\s*typecheck-prelude\b/.test(source[start]!))
    return []
  const body: { text: string, line: number }[] = []
  for (let i = start; i <= end; i++) {
    const text = source[i]!.replace(/^<!--\s*typecheck-prelude\b/, '').replace(/-->\s*$/, '')
    if (text.trim())
      body.push({ text, line: i + 1 })
  }
  return body
}

/** Every ```ts / ```vue block of `markdown`, in order. */
export function extractCodeBlocks(markdown: string): CodeBlock[] {
  const source = markdown.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < source.length; i++) {
    const fence = FENCE.exec(source[i]!)
    if (!fence)
      continue
    const lang = fence[1]!
    const start = i + 1
    let end = start
    while (end < source.length && !source[end]!.startsWith('```')) end++
    const code = source.slice(start, end).map((text, k) => ({ text, line: start + k + 1 }))
    const prelude = preludeBefore(source, i - 1)
    const named = FILE_NAME.exec(code[0]?.text ?? '')?.[1]
    const file = named ?? `readme-${i + 1}.${lang}`
    let body: { text: string, line: number }[]
    if (lang === 'vue') {
      const script = code.findIndex(l => /^<script\b/.test(l.text))
      body = script < 0 ? [...prelude, ...code] : [...code.slice(0, script + 1), ...prelude, ...code.slice(script + 1)]
    }
    else {
      // `export {}` keeps each block a module of its own, so two blocks may declare the same names.
      body = [...prelude, ...code, { text: 'export {}', line: end + 1 }]
    }
    const quickStart = source[i - 1]?.trim() === QUICK_START_MARKER
    blocks.push({ file, text: `${body.map(l => l.text).join('\n')}\n`, code: `${code.map(l => l.text).join('\n')}\n`, lines: body.map(l => l.line), quickStart })
    i = end
  }
  return blocks
}
