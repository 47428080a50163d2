import type { ScheduledTask, TaskOptions } from 'node-cron';

export interface CronTicks {
  readonly task: ScheduledTask;
  /** Runs one tick now, unless the previous one is still running (then `skipped` is called instead). */
  tick(): Promise<void>;
  /** Stops the timer, then waits for a tick still running to finish: a run is never cut short by a stop. */
  stop(): Promise<void>;
}

/**
 * A cron task whose ticks never overlap: a tick that finds the previous one still running is
 * skipped and says so, and stopping waits for the running one.
 */
export function cronTicks(
  nodeCron: typeof import('node-cron'),
  cron: string,
  options: Omit<TaskOptions, 'noOverlap'>,
  run: () => Promise<void>,
  skipped: () => void,
): CronTicks {
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (running) return skipped();
    running = run().finally(() => {
      running = undefined;
    });
    await running;
  };
  const task = nodeCron.createTask(cron, () => void tick(), { ...options, noOverlap: false });
  return {
    task,
    tick,
    async stop() {
      await task.stop();
      await task.destroy();
      if (running) await running;
    },
  };
}
