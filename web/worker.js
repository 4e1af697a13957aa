// Legenda's module Web Worker: starts Pyodide from the site's own copy, installs the
// transformers-js-py wheel and the `legenda` package, then hands every message to Python's
// message handler (web/py/legenda/worker_main.py). The messages are named in protocol.js. Python
// makes every reply; this file adds only the `progress` relay and, when Python cannot run, the
// protocol's one `fatal` reply.
//
// Everything is loaded from this site, relative to this file, so the site works under any
// sub-path (GitHub Pages serves /<repo>/) and contacts no other host unless the settings allow
// models from the hub.

import { TYPE, fatal as fatalMessage } from "./protocol.js";

const SITE_BASE = new URL("./", import.meta.url);
const PYODIDE_DIR = new URL("vendor/pyodide/", SITE_BASE);
// Pinned by scripts/build_site.py (it refuses to build if this name and its pin disagree).
const WHEEL = new URL("vendor/wheels/transformers_js_py-0.19.10-py3-none-any.whl", SITE_BASE);
const TRANSFORMERS = new URL("vendor/transformers/transformers.min.js", SITE_BASE);
const ORT_DIR = new URL("vendor/ort/", SITE_BASE);
const PACKAGE_ZIP = new URL("py/legenda.zip", SITE_BASE);
const PACKAGE_DIR = "/home/pyodide/legenda-site";

const post = (message) => self.postMessage(message);

// Transformers.js's progress_callback, one message per file event. "progress_total" (a sum
// over files) is left out: the page draws one bar per file. Byte counts come hundreds of times
// a second while files download: a file's latest "progress" waits and goes out with the others
// still waiting, and the next batch waits PROGRESS_MS per message the last one sent, so the
// page gets about 10 a second in all. Every other status (initiate, done, ready) goes at once,
// after dropping that file's waiting count, so each bar ends where it should. `?progress-ms=`
// on this script's URL is a benchmark's option (bench/bench_worker.py: 0 turns the throttle off).
const PROGRESS_MS = Number(new URL(import.meta.url).searchParams.get("progress-ms") ?? 100);
const waitingProgress = new Map(); // "model/file" -> its latest progress message
let progressTimer = null;

const flushProgress = () => {
  const batch = [...waitingProgress.values()];
  waitingProgress.clear();
  batch.forEach(post);
  progressTimer = batch.length ? setTimeout(flushProgress, PROGRESS_MS * batch.length) : null;
};

const relayProgress = (info) => {
  if (!info || info.status === "progress_total") return;
  const message = {
    type: TYPE.PROGRESS,
    model: info.name ?? info.model ?? "", // "ready" names its model `model`
    file: info.file ?? "",
    status: info.status,
    loaded: info.loaded ?? 0,
    total: info.total ?? 0,
    progress: info.progress ?? (["done", "ready"].includes(info.status) ? 100 : 0),
  };
  const key = `${message.model}/${message.file}`;
  if (message.status !== "progress" || !(PROGRESS_MS > 0)) {
    waitingProgress.delete(key);
    post(message);
    return;
  }
  waitingProgress.set(key, message);
  progressTimer ??= setTimeout(flushProgress, PROGRESS_MS);
};

// The runtime cannot work. `key` and `params` name the sentence the page says
// (web/ui/i18n/<lang>.js, "error.<key>").
let failure = null;
const fatal = (code, key, params, error) => {
  if (error) console.error("Legenda worker:", error);
  failure = fatalMessage(code, key, params);
  post(failure);
};

class MissingFile extends Error {
  constructor(url) {
    super(`${url} could not be loaded`);
    this.url = url;
  }
}

// fetch(), with "nothing answered" and "not 2xx" both turned into MissingFile.
async function fetchSiteFile(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new MissingFile(url.href);
  }
  if (!response.ok) throw new MissingFile(url.href);
  return response;
}

// Pyodide waits forever when its wasm file is missing, so check the runtime's files first.
async function checkFiles(urls) {
  await Promise.all(urls.map((url) => fetchSiteFile(url, { method: "HEAD" })));
}

async function startPython() {
  await checkFiles([
    ...["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"].map(
      (name) => new URL(name, PYODIDE_DIR),
    ),
    WHEEL,
    TRANSFORMERS,
  ]);
  const pyodideModule = new URL("pyodide.mjs", PYODIDE_DIR).href;
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(pyodideModule));
  } catch {
    throw new MissingFile(pyodideModule);
  }
  const pyodide = await loadPyodide({
    indexURL: PYODIDE_DIR.href,
    packageBaseUrl: PYODIDE_DIR.href, // never the CDN, even for a package we did not ask for
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  });
  // A wheel URL: Pyodide installs it without micropip or any index.
  await pyodide.loadPackage(WHEEL.href, { messageCallback: () => {} });
  const packageZip = await (await fetchSiteFile(PACKAGE_ZIP)).arrayBuffer();
  pyodide.unpackArchive(packageZip, "zip", { extractDir: PACKAGE_DIR });
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(PACKAGE_DIR)})`);
  const workerMain = pyodide.pyimport("legenda.worker_main");
  return workerMain.create_handler(post, relayProgress, {
    siteBase: SITE_BASE.href,
    transformersUrl: TRANSFORMERS.href,
    ortBase: ORT_DIR.href,
    hasWebGPU: await hasWebGPU(),
  });
}

// navigator.gpu can exist without a usable adapter (no GPU, or GPU disabled): ask for one.
async function hasWebGPU() {
  const gpu = /** @type {any} */ (navigator).gpu;
  if (!gpu) return false;
  try {
    return !!(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

async function boot() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    fatal("no-wasm", "no-wasm", {});
    return null;
  }
  post({ type: TYPE.STAGE, stage: "runtime", params: {} });
  try {
    return await startPython();
  } catch (error) {
    if (error instanceof MissingFile) {
      fatal("runtime-failed", "missing-file", { url: error.url }, error);
    } else {
      fatal("runtime-failed", "no-python", {}, error);
    }
    return null;
  }
}

const python = boot();  // Python's message handler, or null when the runtime failed
// One message at a time, in order: a run waits for the init before it.
let queue = Promise.resolve();

// A Stop must not wait behind the generation it stops: `interrupt` skips the queue.
async function interruptNow(message) {
  const handler = await python;
  handler?.interrupt(message);
}

self.onmessage = (event) => {
  const message = event.data;
  if (message?.type === TYPE.INTERRUPT) {
    interruptNow(message);
    return;
  }
  queue = queue.then(async () => {
    const handler = await python;
    try {
      // The runtime failed: every message gets the same fatal, so the page never waits.
      if (!handler) post(failure);
      else await handler.handle(message);
    } catch (error) {
      // Python answers everything it handles; this is a failure of the runtime itself.
      fatal("runtime-failed", "worker-stopped", {}, error);
    }
  });
};
