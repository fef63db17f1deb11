/** "1 task" / "3 tasks". */
export function tasksWord(n: number): string {
  return `${n} task${n === 1 ? '' : 's'}`
}
