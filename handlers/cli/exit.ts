// Exit codes shared by every keygate CLI (`npm start`, `npm run clients`, bench, load:local, load:aws):
// 0 done, 1 the work failed (or a threshold/target was missed), 2 the command line was wrong (usage text
// printed with it).
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What every keygate CLI takes from its caller: the environment and the two output streams (tests inject them). */
export interface CliStreams {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: { write(text: string): unknown };
  readonly stderr?: { write(text: string): unknown };
}
