// The child process of the cold-start suite: import one bundled handler, call it once with a TOKEN event,
// report times and memory on one marked stdout line. performance.now() counts from this process's start
// (its timeOrigin), so `readyMs` is process start -> first verified token as the child sees it.
const importStart = performance.now();
const mod = (await import(process.env.COLD_START_MODULE!)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const importEnd = performance.now();
const event = JSON.parse(process.env.COLD_START_EVENT!) as unknown;
let ok = false;
let error: string | undefined;
try {
  const result = (await mod.handler(event, { functionName: 'cold-start', awsRequestId: 'cold-start-1' })) as {
    sub?: unknown;
    policyDocument?: { Statement?: { Effect?: string }[] };
  };
  ok = result.policyDocument
    ? (result.policyDocument.Statement ?? []).some((s) => s.Effect === 'Allow')
    : result.sub === process.env.COLD_START_EXPECT_SUB;
} catch (e) {
  error = (e as Error).message;
}
const readyMs = performance.now();
const rssBytes = process.memoryUsage.rss();
process.stdout.write(
  `\n__COLD_START__${JSON.stringify({ ok, error, readyMs, importStartMs: importStart, importMs: importEnd - importStart, handlerMs: readyMs - importEnd, rssBytes })}\n`,
);
process.exit(0);
