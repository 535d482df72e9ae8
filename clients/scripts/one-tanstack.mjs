// Two copies of @tanstack/db fail silently (a live query of one copy rejects the other copy's collections), so the
// tests refuse to run with more than one version installed.
import { execFileSync } from "node:child_process";

let tree;
try {
  tree = JSON.parse(execFileSync("npm", ["ls", "@tanstack/db", "--all", "--json"], { encoding: "utf8" }));
} catch (e) {
  tree = JSON.parse(e.stdout || "{}"); // npm ls exits 1 on problems but still prints the tree
}
const versions = new Set();
const walk = (node) => {
  for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
    if (name === "@tanstack/db" && dep.version) versions.add(dep.version);
    walk(dep);
  }
};
walk(tree);
if (versions.size !== 1) {
  console.error(`one-tanstack: expected exactly one version of @tanstack/db, found ${[...versions].join(", ") || "none"}`);
  process.exit(1);
}
console.log(`one-tanstack: @tanstack/db ${[...versions][0]} only`);
