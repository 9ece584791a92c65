// Whether an IAM wildcard pattern can match some request to a route: the question behind the policy
// builder's explicit Denies. Route templates denote `{name}` = one or more characters other than `/`,
// `{name+}` = one or more of any character (API Gateway resource paths); IAM patterns have `*` = any run
// including `/` and `?` = one character (AWS IAM "Wildcards in resource ARNs"). The check is a search over
// (pattern position, template position) pairs, exact for these two languages: O(pattern x template).

type Item =
  | { readonly kind: 'char'; readonly c: string }
  /** `segment`: 1+ characters but `/`; `greedy`: 1+ of any; `slashes`: 1+ `/` (trailing-slash spellings). */
  | { readonly kind: 'segment' | 'greedy' | 'slashes' };

/** `GET/orders/{id}` -> items: the verb and literal characters, one item per `{param}`. */
function templateItems(template: string): Item[] {
  const items: Item[] = [];
  const re = /\{[^}/]+\}/g;
  let last = 0;
  for (const m of template.matchAll(re)) {
    for (const c of template.slice(last, m.index)) items.push({ kind: 'char', c });
    items.push({ kind: m[0].endsWith('+}') ? 'greedy' : 'segment' });
    last = m.index + m[0].length;
  }
  for (const c of template.slice(last)) items.push({ kind: 'char', c });
  return items;
}

/**
 * True when some request path the route template (`VERB` + API Gateway resource path, e.g.
 * `GET/orders/{id}`) describes is matched by the IAM `pattern` (same `VERB/path` form, no ARN prefix).
 * With `trailingSlashes`, the paths are the template's followed by one or more `/`: the spellings API
 * Gateway routes to the same resource (trailing slashes are ignored when routing), any number of them.
 */
export function patternOverlapsRoute(pattern: string, template: string, trailingSlashes = false): boolean {
  const items = templateItems(template);
  if (trailingSlashes) items.push({ kind: 'slashes' });
  const P = pattern.length;
  const T = items.length;
  // State: pattern index i, template item j, and whether the current {param} already has a character.
  const seen = new Set<number>();
  const stack: number[] = [0];
  const key = (i: number, j: number, started: number) => (i * (T + 1) + j) * 2 + started;
  seen.add(0);
  const push = (i: number, j: number, started: number) => {
    const k = key(i, j, started);
    if (!seen.has(k)) {
      seen.add(k);
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop()!;
    const started = k % 2;
    const ij = (k - started) / 2;
    const j = ij % (T + 1);
    const i = (ij - j) / (T + 1);
    if (i === P && j === T) return true;
    const p = i < P ? pattern[i]! : undefined;
    const item = j < T ? items[j]! : undefined;
    // Moves that read no character: `*` matching nothing more; a {param} ending after one character.
    if (p === '*') push(i + 1, j, started);
    if (item && item.kind !== 'char' && started === 1) push(i, j + 1, 0);
    if (p === undefined || item === undefined) continue;
    // Moves that read one character both sides agree on.
    const next = (ni: number) => {
      if (item.kind === 'char') push(ni, j + 1, 0);
      else push(ni, j, 1);
    };
    const ni = p === '*' ? i : i + 1;
    if (p === '*' || p === '?') {
      next(ni);
    } else if (
      item.kind === 'char'
        ? item.c === p
        : item.kind === 'greedy' || (item.kind === 'slashes' ? p === '/' : p !== '/')
    ) {
      next(ni);
    }
  }
  return false;
}
