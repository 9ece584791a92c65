// The one way an admin CLI module knows it was run (`tsx handlers/cli/<name>.ts`) rather than imported
// by a test: the script node was started with is this module's file, symlinks resolved.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isMainModule(moduleUrl: string): boolean {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl))
    );
  } catch {
    return false;
  }
}
