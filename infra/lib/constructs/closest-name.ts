// "Did you mean": the declared name nearest to a misspelt one (Levenshtein distance), for synth errors such
// as require('orders/raed') against an issuer that declares orders/read.

/** Edits (insert, delete, substitute one character) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate nearest to `name` when it is close enough to be a typo (at most a third of its characters
 * differ), else undefined; ties go to the earlier candidate.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { readonly name: string; readonly distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(name.length / 3)) ? best.name : undefined;
}

/** `scope "x" is not declared by <owner>` + the suggestion, or the declared list when nothing is close. */
export function undeclaredScopeMessage(scope: string, declared: readonly string[], owner: string): string {
  const near = closestName(scope, declared);
  return (
    `scope ${JSON.stringify(scope)} is not declared by ${owner}` +
    (near
      ? `: did you mean ${JSON.stringify(near)}?`
      : `: add it to the issuer's \`scopes\` (declared: ${declared.join(' ')})`)
  );
}
