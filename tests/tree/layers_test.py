#!/usr/bin/env python3
"""The layers of docs/architecture.md, checked on the source tree:
- engine/src's folders include each other without a cycle (core <- io <- data <- nets ... <- train <- api);
- the engine's public headers (engine/include/onestep) include no Torch, OpenCV or Qt header;
- nothing in the engine includes Qt, and nothing in ui/ or app/ includes Torch, OpenCV or an engine-internal header;
- every file a comment cites as `docs/...`, `models/...` or `engine/...` exists in the repository.
Exit status 1 with one line per fault."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
faults = []


def sources(top):
    for base, _, files in os.walk(os.path.join(root, top)):
        for f in files:
            if f.endswith((".h", ".cpp")):
                yield os.path.join(base, f)


include = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

# Folder graph inside engine/src.
graph = {}
for path in sources("engine/src"):
    rel = os.path.relpath(path, os.path.join(root, "engine/src"))
    folder = rel.split(os.sep)[0] if os.sep in rel else None
    if folder is None:
        continue
    for inc in include.findall(open(path, encoding="utf-8").read()):
        target = inc.split("/")[0]
        if "/" in inc and target != folder and os.path.isdir(os.path.join(root, "engine/src", target)):
            graph.setdefault(folder, set()).add(target)


def cycle_from(node, stack, seen):
    for nxt in sorted(graph.get(node, ())):
        if nxt in stack:
            return stack[stack.index(nxt):] + [nxt]
        if nxt not in seen:
            seen.add(nxt)
            found = cycle_from(nxt, stack + [nxt], seen)
            if found:
                return found
    return None


for start in sorted(graph):
    c = cycle_from(start, [start], {start})
    if c:
        faults.append("engine/src include cycle: " + " -> ".join(c))
        break

forbidden = {
    "engine/include": re.compile(r"^(torch/|ATen/|c10/|opencv2/|Q[A-Z]|qcustomplot)"),
    "engine/src": re.compile(r"^(Q[A-Z]\w*$|QtCore|QtWidgets|qcustomplot)"),
    "ui": re.compile(r"^(torch/|ATen/|c10/|opencv2/|train/|api/|core/|data/|io/|nets/|metrics/|diffusion/|dist/)"),
    "app": re.compile(r"^(torch/|ATen/|c10/|opencv2/|train/|api/|core/|data/|io/|nets/|metrics/|diffusion/|dist/)"),
}
for top, pattern in forbidden.items():
    for path in sources(top):
        for inc in include.findall(open(path, encoding="utf-8").read()):
            if pattern.search(inc):
                faults.append(f"{os.path.relpath(path, root)} includes <{inc}>, which its layer must not")

cited = re.compile(r"\b((?:docs|models|engine|ui|app|tests|benchmarks|packaging)/[\w./-]+\.(?:md|h|cpp|json|py|sh))")
for top in ("engine", "ui", "app", "tests", "benchmarks", "CMakeLists.txt"):
    paths = [os.path.join(root, top)] if top.endswith(".txt") else list(sources(top))
    if not top.endswith(".txt"):
        paths += [os.path.join(b, f) for b, _, fs in os.walk(os.path.join(root, top)) for f in fs if f == "CMakeLists.txt"]
    for path in paths:
        for ref in cited.findall(open(path, encoding="utf-8").read()):
            if not os.path.exists(os.path.join(root, ref)):
                faults.append(f"{os.path.relpath(path, root)} cites {ref}, which is not in the repository")

for f in faults:
    print(f)
print(f"layers: {len(graph)} engine folders, {len(faults)} faults")
sys.exit(1 if faults else 0)
