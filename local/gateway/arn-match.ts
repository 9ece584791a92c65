// IAM-style wildcard matching for policy Resource (and Action) patterns: `*` matches any run of
// characters including `/` and `:`, `?` exactly one character, everything else literally and
// case-sensitively (docs/design.md#arn-limits). Hand-written instead of compiling a RegExp from policy text: no escaping
// mistakes (`.`, `+`, `(` are literals here) and no catastrophic backtracking. Classic single-backtrack
// glob walk: O(pattern + text) when the pattern has at most one `*`, O(pattern x text) worst case
// (bounded by the 512 x 1600 character ARN limits), no recursion, no allocation.

/** True when `text` matches the IAM wildcard `pattern` as a whole. */
export function arnMatches(pattern: string, text: string): boolean {
  const pLen = pattern.length;
  const tLen = text.length;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < tLen) {
    if (p < pLen) {
      const pc = pattern.charCodeAt(p);
      if (pc === 42 /* * */) {
        // Collapse runs of `*`: they match the same as one.
        while (p < pLen && pattern.charCodeAt(p) === 42) p++;
        if (p === pLen) return true;
        starP = p;
        starT = t;
        continue;
      }
      if (pc === 63 /* ? */ || pc === text.charCodeAt(t)) {
        p++;
        t++;
        continue;
      }
    }
    if (starP < 0) return false;
    // Let the last `*` absorb one more character and retry the rest of the pattern from there.
    starT++;
    t = starT;
    p = starP;
  }
  while (p < pLen && pattern.charCodeAt(p) === 42) p++;
  return p === pLen;
}
