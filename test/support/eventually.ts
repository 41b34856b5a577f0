// Waits for an assertion about an asynchronous outcome (a worker committing, a message arriving)
// to hold. Not a timing assertion: the limit only stops a test that would otherwise hang, and a
// failure reports the assertion's own message.
export async function eventually(assertion: () => Promise<void> | void, { timeoutMs = 15_000, intervalMs = 50 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
