// The message an app's synth fails with: what a user sees for a mistake caught at synth.
import type { App } from 'aws-cdk-lib';

/** The message synth fails with (the test fails when synth succeeds). */
export function synthError(app: App): string {
  try {
    app.synth();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('synth succeeded');
}
