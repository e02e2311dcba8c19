/**
 * Background work with bounded concurrency and a bounded backlog (MATCH notifications, hand-offs):
 * a full backlog drops new tasks rather than growing; the interests they concern are registered
 * again at their next refresh anyway.
 */
export interface TaskQueueInit {
  /** tasks running at once. @default 8 */
  concurrency?: number
  /** tasks waiting at most. @default 4096 */
  maxPending?: number
}

export class TaskQueue {
  private readonly pending: Array<() => Promise<void>> = []
  private readonly concurrency: number
  private readonly maxPending: number
  private running = 0

  constructor (init: TaskQueueInit = {}) {
    this.concurrency = init.concurrency ?? 8
    this.maxPending = init.maxPending ?? 4096
  }

  /** queues `task`; false when the backlog is full (the task is dropped) */
  push (task: () => Promise<void>): boolean {
    if (this.pending.length >= this.maxPending) return false
    this.pending.push(task)
    this.next()
    return true
  }

  clear (): void {
    this.pending.length = 0
  }

  private next (): void {
    while (this.running < this.concurrency && this.pending.length > 0) {
      const task = this.pending.shift()
      if (task == null) return
      this.running++
      task().catch(() => {}).finally(() => {
        this.running--
        this.next()
      })
    }
  }
}
