// The same caption + translate job as web/worker.js, written straight against Transformers.js
// (no Pyodide, no Python): what the product worker is measured against. It answers the
// product's messages (init, run) with the same stages, so the bench times both alike.
// Query: ?tjs=<URL of transformers.min.js>&ort=<URL of the vendor/ort/ folder>, and
// &session=<JSON ONNX Runtime session options> to try options on memory, &cache=0 to keep the
// files out of Cache Storage. After each job it posts the size of its WebAssembly memories.

const params = new URL(import.meta.url).searchParams;

// Every WebAssembly memory made in this worker (ONNX Runtime's heap): a wasm memory grows but
// never shrinks, so its size after a job is the heap's high-water mark.
const memories = new Set();
const NativeMemory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(NativeMemory, {
  construct(target, args) {
    const memory = new target(...args);
    memories.add(memory);
    return memory;
  },
});
for (const name of ["instantiate", "instantiateStreaming"]) {
  const native = WebAssembly[name].bind(WebAssembly);
  WebAssembly[name] = async (...args) => {
    const result = await native(...args);
    const exports = (result.instance ?? result).exports ?? {};
    Object.values(exports).filter((value) => value instanceof NativeMemory)
      .forEach((memory) => memories.add(memory));
    return result;
  };
}
const wasmMB = () => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0) / 2 ** 20;
// Imported before any message is handled, but the handler is set at once: a module worker
// drops messages that come while its top-level code still awaits.
const imported = import(params.get("tjs"));
let pipeline, env, RawImage;
const post = (message) => self.postMessage(message);
let config = {};
const pipes = {};

async function load(task, model, role, jobId) {
  if (!pipes[task]) {
    post({ type: "stage", stage: "model", params: { role }, jobId });
    const session_options = JSON.parse(params.get("session") || "{}");
    pipes[task] = await pipeline(task, model, {
      dtype: config.dtype ?? "q8", device: "wasm", session_options,
    });
  }
  return pipes[task];
}

async function run({ jobId, items }) {
  const images = await Promise.all(items.map((item) => RawImage.fromURL(item.url)));
  const captioner = await load("image-to-text", config.caption_model, "captioning", jobId);
  post({ type: "stage", stage: "captioning", jobId });
  const outputs = await captioner(images.length === 1 ? images[0] : images, {
    max_new_tokens: Number(config.max_new_tokens ?? 30), num_beams: 1,
    repetition_penalty: 1.2, no_repeat_ngram_size: 3, do_sample: false,
  });
  const captions = (images.length === 1 ? [outputs] : outputs).map((o) => o[0].generated_text);
  const translator = await load("translation", config.translation_model, "translation", jobId);
  for (const [index, caption] of captions.entries()) {
    post({ type: "stage", stage: "translating", jobId });
    const [out] = await translator(caption, {
      src_lang: "eng_Latn", tgt_lang: "por_Latn",
      max_new_tokens: Number(config.translation_max_new_tokens ?? 128),
    });
    post({ type: "result", jobId, itemId: items[index].itemId, caption,
           translation: out.translation_text });
  }
  post({ type: "memory", jobId, wasmMB: wasmMB() });
  post({ type: "done", jobId });
}

let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};

async function handle(data) {
  ({ pipeline, env, RawImage } = await imported);
  if (data.type === "init") {
    config = data.config;
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.useBrowserCache = params.get("cache") !== "0";
    env.localModelPath = new URL(config.models, params.get("site")).pathname;
    const ort = params.get("ort");
    env.backends.onnx.wasm.wasmPaths = {
      mjs: `${ort}ort-wasm-simd-threaded.mjs`, wasm: `${ort}ort-wasm-simd-threaded.wasm`,
    };
    post({ type: "stage", stage: "ready" });
  } else if (data.type === "run") {
    await run(data);
  }
}
