// `a=b,c=` as the kubelet's --node-labels takes it. A module of its own (no imports) so the sandbox's stand-in
// kubelet reads its flags with the same parser the join step writes them for.
export function parseLabelList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    out[eq >= 0 ? pair.slice(0, eq) : pair] = eq >= 0 ? pair.slice(eq + 1) : '';
  }
  return out;
}
