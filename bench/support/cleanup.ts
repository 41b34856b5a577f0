// A cleanup stack for the benchmark: everything it starts (the database, each child process)
// registers how to undo itself the moment it exists, and `run` undoes them newest first. It runs
// on success, on failure half way and on Ctrl-C, and one failing undo does not stop the others,
// so a broken run leaves no database and no process behind.

export interface CleanupStack {
  /** Register an undo step; `label` names it in the report of failed steps. */
  defer(label: string, undo: () => Promise<void> | void): void;
  /** Undo everything registered, newest first, once; resolves to `label: reason` of each failed step. */
  run(): Promise<string[]>;
}

export function createCleanupStack(): CleanupStack {
  const steps: { label: string; undo: () => Promise<void> | void }[] = [];
  let running: Promise<string[]> | undefined;

  async function runAll(): Promise<string[]> {
    const failures: string[] = [];
    for (let step = steps.pop(); step; step = steps.pop()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.label}: ${(error as Error).message}`);
      }
    }
    return failures;
  }

  return {
    defer: (label, undo) => void steps.push({ label, undo }),
    run: () => (running ??= runAll()),
  };
}
