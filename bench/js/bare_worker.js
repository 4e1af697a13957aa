// The floor of the product's start-up: Pyodide booted from the site's copy and Transformers.js
// imported, nothing else (no wheel, no Python package, no settings).
// Query: ?pyodide=<URL of vendor/pyodide/>&tjs=<URL of transformers.min.js>.

const params = new URL(import.meta.url).searchParams;
const post = (message) => self.postMessage(message);
self.onmessage = () => {};
const { loadPyodide } = await import(`${params.get("pyodide")}pyodide.mjs`);
await loadPyodide({ indexURL: params.get("pyodide"), packageBaseUrl: params.get("pyodide") });
post({ type: "stage", stage: "runtime", message: "Pyodide up" });
await import(params.get("tjs"));
post({ type: "stage", stage: "ready" });
