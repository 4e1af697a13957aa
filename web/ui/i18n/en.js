// The page's words in English. Keys: page.* (index.html), stage.* and status.* (#status),
// error.* (failures, by the `key` the worker or the page gives), results.*, speech.*, settings.*,
// cache.*, downloads.*, samples.*, sources.*, notice.*. ui/i18n/pt.js has the same keys.

const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;
const said = (p) => (p.said ? ` The server said: “${p.said}”.` : '');
/** "1st", "2nd", "3rd", "4th", "11th", "21st". */
const ordinal = (n) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th');
  return `${n}${suffix}`;
};
const role = (p) => ({ captioning: 'captioning', generation: 'text-generation' }[p.role] || 'translation');
const theModel = (p) => `The ${role(p)} model “${p.model}”`;
const selfHost = (p) => `To self-host it, run \`make models\` (or copy the model's files into models/${p.model}/ before \`make site\`) and point the \`models\` setting at where they are served.`;
const what = (p) => (p.weights ? `its ${p.dtype} weights (${p.file}) are` : `its file ${p.file} is`);
const check = (p) => (p.weights ? 'Check the model id, or try another dtype (q8 and fp32 are the most common). ' : 'Check the model id. ');
const source = (p) => {
  if (p.source === 'address') return `The address ${p.name}`;
  return p.name ? `The file “${p.name}”` : 'The chosen file';
};
const kept = (value) => (value === '' ? 'nothing' : /^-?[\d.]+$/.test(value) ? value : `“${value}”`);

function accepts(a, setting = '') {
  const server = a.server ? ', or server:<id> for a model on the server' : '';
  switch (a.kind) {
    case 'choice': return `must be one of ${a.choices.join(', ')}`;
    case 'int': return `must be a whole number from ${a.min} to ${a.max}`;
    case 'float': return `must be a number ${a.min_open ? 'above' : 'from'} ${a.min} to ${a.max}`;
    case 'flag': return 'must be 0 or 1';
    case 'model': return `must be a model id like Xenova/vit-gpt2-image-captioning${server}`;
    case 'models': return `must be model ids separated by commas, like Xenova/flan-t5-small,HuggingFaceTB/SmolLM2-135M-Instruct${server}`;
    case 'path': return 'must be a path on this site, like models/ or /models/';
    case 'url': return setting === 'chat_url' ? 'must be an http:// or https:// address, or empty to use the sidecar (the tts setting)' : 'must be an http:// or https:// address, or empty to turn speech off';
    case 'voice': return 'must be a voice preset name, like v2/pt_speaker_0';
    case 'password': return 'must be a key of printable characters without spaces';
    default: return 'must be text';
  }
}

export default {
  empty: '',
  'page.title': 'Legenda: caption, translate and speak an image',
  'page.description': 'Caption an image, translate the caption and hear it: Python and AI models running in your browser.',
  'page.skip': 'Skip to the image form',
  'page.tagline': 'Caption a picture in English, translate it and hear it. The models run in your browser.',
  'page.ui-lang': 'Page language',
  'page.input-heading': '1. Choose an image',
  'page.drop-hint': 'Drop images here or paste them',
  'page.choose-files': 'Choose files…',
  'page.url-label': '…or an image address',
  'page.samples': '…or a sample photo',
  'page.lang': 'Translate into',
  'page.lang-loading': 'Loading languages…',
  'page.generate': 'Generate',
  'page.output-heading': '2. Caption and translation',
  'page.english': 'English',
  'page.results': 'Results',
  'page.clear': 'Clear',
  'page.settings': 'Settings',
  'page.footer': 'Legenda runs Python (Pyodide) and Transformers.js in your browser; speech comes from a small sidecar server. Sample photos: scikit-image, free to use.',

  'stage.starting': 'Starting Python in your browser…',
  'stage.runtime': (p) => (p.part === 'transformers' ? 'Loading Transformers.js…' : 'Loading the Python runtime…'),
  'stage.model': (p) => `Loading the ${role(p)} model (${p.model}, ${p.dtype}${p.webgpu ? ', WebGPU' : ''})…`,
  'stage.captioning': (p) => {
    if (p.total === 1) return 'Captioning…';
    if (p.first === p.last) return `Captioning image ${p.last} of ${p.total}…`;
    return `Captioning images ${p.first}–${p.last} of ${p.total}…`;
  },
  'stage.translating': 'Translating to {name}…',
  'stage.ready': 'Ready: choose an image, or paste its address.',

  'status.working': (p) => (p.count > 1 ? `Working on ${p.count} images…` : 'Working on your image…'),
  'status.done': (p) => (p.total > 1 ? `Done: ${p.total} images captioned and translated.` : 'Done: the caption and its translation are below.'),
  'status.all-failed': (p) => `${p.first || 'No caption came back. Try again with another image.'}${p.others > 0 ? ` (${plural(p.others, 'other image', 'other images')} failed too.)` : ''}`,
  'status.some-failed': (p) => `${p.succeeded} of ${p.total} images captioned. ${plural(p.failed, 'image', 'images')} failed: ${p.first}`,
  'status.lang-next': 'Translations now go into {name}. Press Generate to translate.',
  'status.translating-again': 'Translating again into {name}…',
  'status.press-generate': 'Press Generate to caption the new image.',
  'status.cleared': 'Results cleared.',
  'status.setting-problems': '{problems} Fix the address or the settings, or go on with these.',

  'notice.no-webgpu': 'This browser has no WebGPU, so the models run on WebAssembly (wasm).',
  'notice.dtype-fallback': (p) => `The model “${p.model}” has no ${p.wanted} weights, so its ${p.dtype} weights are used (it ships ${p.shipped}).`,
  'notice.webgpu-after-reload': 'WebGPU takes effect after a page reload; until then the models run on WebAssembly (wasm).',

  'error.bad-setting': (p) => `The setting ${p.setting} ${accepts(p.accepts, p.setting)} (it was “${p.value}”); using ${kept(p.kept)} instead.`,
  'error.model-missing-local': (p) => `${theModel(p)} was not found: ${what(p)} not at ${p.where} on this site, and remote models are off (remote_models=0). ${check(p)}${selfHost(p)} Or allow remote models (remote_models=1) to download it from the Hugging Face hub.`,
  'error.model-missing': (p) => `${theModel(p)} could not be loaded: ${what(p)} neither at ${p.where} on this site nor on the Hugging Face hub, or the download failed. ${check(p)}${selfHost(p)}`,
  'error.model-webgpu': (p) => `${theModel(p)} could not start on WebGPU in this browser. Choose the wasm device (device=wasm) and try again.`,
  'error.no-backend': 'ONNX Runtime, which runs the models, could not start: its files on this site (vendor/ort/) are missing or damaged. Reload the page; if you host the site yourself, build it again with `make site`.',
  'error.model-offline': (p) => `${theModel(p)} could not be downloaded: the Hugging Face hub did not answer (are you offline?) and it is not at ${p.where} on this site. Check your connection. ${selfHost(p)}`,
  'error.model-broken': (p) => `${theModel(p)} could not be loaded: its files may be damaged or of a kind this page cannot run. Try another model or dtype; the browser console has the details.`,
  'error.inference-failed': (p) => `${theModel(p)} failed while working on this image. Try again, or try another image or model; the browser console has the details.`,
  'error.language-not-in-model': (p) => `The translation model “${p.model}” cannot translate into ${p.name}${p.languages ? `: it translates into ${p.languages}` : ''}. Choose ${p.languages ? 'one of those languages, or ' : ''}the default translation model, ${p.suggested} (translation_model=${p.suggested}).`,
  'error.empty-output': (p) => `${theModel(p)} gave no text for this image. Try another image, or other generation settings (for example more max_new_tokens).`,
  'error.image-unreachable': (p) => {
    const why = { missing: 'it does not exist there', timeout: 'the server did not answer in time, or it does not let other sites read its images (CORS)' }[p.reason] || `the server answered ${p.status}`;
    return `The image at ${p.url} could not be loaded: ${why}. Check the address, or save the image and choose it as a file.`;
  },
  'error.bad-image-url': '“{url}” is not a web address of an image. Paste an address starting with http:// or https://, or choose a file.',
  'error.not-an-image': (p) => `${source(p)} is not an image (it is ${p.type || 'of an unknown type'}). Use a direct link to a JPEG, PNG, WebP or GIF image, or choose an image file.`,
  'error.undecodable-image': (p) => `${source(p)} could not be read as an image: it may be damaged or in a format this browser cannot decode. Try a JPEG, PNG, WebP or GIF image.`,
  'error.unexpected': (p) => `Something went wrong while ${{ start: "starting the page's runtime", generation: 'generating text' }[p.what] || 'working on this image'}. Reload the page and try again; the browser console has the details.`,
  'error.no-answer': 'No caption came back for this image. Try it again.',
  'error.no-wasm': 'This browser cannot run WebAssembly, which the page needs to run the models. Use a recent Chrome, Edge, Firefox or Safari, with WebAssembly enabled.',
  'error.missing-file': 'A file the page needs ({url}) could not be loaded. Reload the page; if you host the site yourself, build it again with `make site`.',
  'error.no-python': 'The Python runtime could not start in this browser. Reload the page, or try a recent Chrome, Edge or Firefox; the browser console has the details.',
  'error.worker-stopped': 'The part of the page that runs the models stopped working. Reload the page to start it again.',
  'error.worker-no-start': "The part of the page that runs the models could not start: one of the site's files is missing or broken. Reload the page; if you host the site yourself, build it again with `make site`.",
  'error.worker-garbled': 'The page and its model runner could not understand each other. Reload the page.',
  'error.settings-file': 'The page could not read its settings files (settings-schema.json, config.json). Reload the page; if it keeps happening, the site was not built completely.',
  'error.runtime-failed': 'The page\'s runtime stopped working. Reload the page.',

  'results.translation': 'Translation',
  'results.empty-preview': 'Your image appears here.',
  'results.cannot-show': 'This image cannot be shown.',
  'results.waiting': (p) => (p.count > 1 ? `Waiting (image ${p.position} of ${p.count})…` : 'Waiting…'),
  'results.copy': 'Copy',
  'results.copied': 'Copied',
  'results.selected': 'Selected: press Ctrl+C',
  'results.copy-label': (p) => `Copy the caption and translation of ${p.name || 'the pasted image'}`,
  'results.show': 'Show above',
  'results.show-label': (p) => `Show ${p.name || 'the pasted image'} above`,

  'sources.chosen': (p) => (p.count === 1 ? `Chosen: ${p.name || 'a pasted image'}` : `Chosen: ${p.count} images`),
  'sources.none': 'Give an image first: choose or drop a file, paste one, type its address or pick a sample photo.',
  'sources.not-a-link': 'That address is not a web link. Type an address that starts with http:// or https://, or choose a file instead.',

  'samples.title': (p) => `Caption the sample photo: ${p.label.toLowerCase()}`,
  'samples.cat': 'A cat',
  'samples.coffee': 'A cup of coffee',
  'samples.astronaut': 'An astronaut',
  'samples.rocket': 'A rocket launch',

  'downloads.title': 'Model files',
  'downloads.bar-label': 'Download of {file} ({model})',
  'downloads.downloading': 'Downloading model files: {ready} of {files} ready',
  'downloads.summary': (p) => `Model files: ${plural(p.files, 'file', 'files')} of ${plural(p.models, 'model', 'models')}${p.bytes ? `, ${p.bytes}` : ''}`,

  'cache.heading': 'Models in this browser',
  'cache.refresh': 'Refresh',
  'cache.clear': 'Clear models…',
  'cache.confirm-yes': 'Yes, delete them',
  'cache.confirm-no': 'Cancel',
  'cache.unsupported': 'This browser does not offer Cache Storage here (the page needs https or localhost), so models are not kept between visits.',
  'cache.source.site': 'from this site',
  'cache.source.hub': 'from the Hugging Face hub',
  'cache.source.runtime': 'the engine that runs the models',
  'cache.source.other': 'other files',
  'cache.files': (p) => plural(p.count, 'file', 'files'),
  'cache.summary': (p) => `${plural(p.count, 'model', 'models')}${p.engine ? ' and the ONNX Runtime engine' : ''} stored, ${p.total} in all.`,
  'cache.empty': 'No models are stored in this browser yet: they are saved here the first time they are used.',
  'cache.read-failed': 'The list of stored models could not be read: the browser refused access to its storage. Reload the page and try again.',
  'cache.confirm': 'Delete everything listed ({total}) from this browser? It is downloaded again the next time it is needed.',
  'cache.delete-failed': 'The stored models could not be deleted: the browser refused. Try again, or clear the site data in the browser settings.',

  'settings.apply': 'Apply',
  'settings.reset': 'Reset to defaults',
  'settings.copy-link': 'Copy link',
  'settings.link-label': 'Link to this page with these settings',
  'settings.not-here': '{option} (not in this browser)',
  'settings.starting': 'The page is still starting; try again in a moment.',
  'settings.nothing-changed': 'Nothing changed.',
  'settings.applying': 'Applying…',
  'settings.applied': 'Settings applied and saved in this browser. Models reload the next time they are used.',
  'settings.no-service-worker': 'Cross-origin isolation needs service workers, which this browser does not offer here (the page must be on https or localhost).',
  'settings.isolation-on': 'Turning cross-origin isolation on: the page reloads once.',
  'settings.isolation-off': 'Turning cross-origin isolation off: the page reloads.',
  'settings.reset-done': 'Back to the default settings; nothing is saved in this browser any more.',
  'settings.link-copied': 'Link copied: opening it applies these settings.',
  'settings.link-select': 'Copy the link above (Ctrl+C): opening it applies these settings.',

  'speech.panel': 'Speech',
  'speech.voice': 'Voice',
  'speech.retry': 'Retry',
  'speech.progress-label': 'Speech synthesis progress',
  'speech.server-default': 'Server default',
  'speech.server-default-lower': 'server default',
  'speech.engine': 'Engine: {engine} · voice: {voice}',
  'speech.no-voice': 'The speech server ({engine}) has no voice for {name}: pick another language to hear translations.',
  'speech.off': 'Speech is off: the “tts” setting is empty. Set it to the speech server’s address (for example http://127.0.0.1:5000) to hear translations.',
  'speech.loading': 'The speech server is still loading its model ({model}); the first translation may take longer to speak.',
  'speech.ready': 'Speech is ready: translations are read aloud.',
  'speech.unavailable': 'Speech is unavailable: {why}.',
  'speech.how-to-start': 'Captions and translations still work. To hear them, start the speech server with `make run` (or `python -m tts_server --port 5000`), or set the “tts” setting to its address, then press Retry.',
  'speech.fix-server': 'Captions and translations still work. Fix the speech server, then press Retry.',
  'speech.no-speech': 'No speech: {why}.',
  'speech.asking': 'Asking the speech server to read the translation…',
  'speech.synthesizing': 'Synthesizing speech… {percent}%',
  'speech.waiting': (p) => (p.place ? `Waiting for the speech server: ${ordinal(p.place)} in line…` : 'Waiting for the speech server…'),
  'speech.could-not': 'This translation could not be spoken.',
  'speech.server-could-not': 'The speech server could not read it: {why}. Captions and translations still work; press Retry to try again.',
  'speech.playing': 'Playing the translation (spoken in {took}).',
  'speech.press-play': 'The speech is ready (spoken in {took}): press play to hear it.',
  'speech.why.unreachable': 'nothing answered at {address} (the speech server is not running, the address is wrong, or it does not accept requests from this page)',
  'speech.why.server-said': (p) => String(p.said || '').trim().replace(/[.!]+$/, ''),
  'speech.why.http': 'it answered HTTP {status} without an explanation',
  'speech.why.not-json': 'its answer was not JSON: is this address really the speech server?',
  'speech.why.job-failed': 'the speech job failed without a reason',
  'speech.why.model-failed': (p) => `its speech model could not be loaded: ${p.said || 'no reason given'}`,
  // The sidecar's error codes, worded in the page's language (an English page shows the
  // sidecar's own sentence instead).
  'speech.code.loading': 'it is still loading its speech model; try again in a few seconds',
  'speech.code.queue-full': 'it is busy with other texts; try again shortly',
  'speech.code.unknown-language': 'it has no voice for this language',
  'speech.code.unknown-voice': 'it does not know the chosen voice',
  'speech.code.api-key-required': 'it asks for an API key: set the “tts_key” setting to yours',
  'speech.code.bad-api-key': 'it refused the API key in the “tts_key” setting',
  'speech.code.internal': 'it hit an unexpected error',
  'speech.why.unexpected': 'an unexpected problem',

  'playground.title': 'Legenda playground: text generation in your browser',
  'playground.description': 'Generate text, chat in Portuguese and compare models: Python and AI models running in your browser.',
  'playground.skip': 'Skip to the playground',
  'playground.tagline': 'Generate text, chat in Portuguese and compare models. The models run in your browser, or on a server when written server:<id>.',
  'playground.nav': 'Pages',
  'playground.to-captioner': 'Image captions',
  'playground.to-playground': 'Text playground',
  'playground.heading': 'Playground',
  'playground.mode': 'Mode',
  'playground.mode-generate': 'Generate text',
  'playground.mode-chat': 'Chat',
  'playground.mode-compare': 'Compare models',
  'playground.model': 'Model',
  'playground.compare-models': 'Models (comma-separated)',
  'playground.prompt': 'Prompt',
  'playground.prompt-placeholder': 'Era uma vez…',
  'playground.system': 'System prompt',
  'playground.message': 'Your message',
  'playground.message-placeholder': 'Write a message (Enter sends, Shift+Enter adds a line)',
  'playground.send': 'Send',
  'playground.stop': 'Stop',
  'playground.reset-chat': 'Reset',
  'playground.params': 'Generation parameters',
  'playground.footer': 'The playground runs Python (Pyodide) and Transformers.js in your browser, like the caption page; a model written server:<id> runs on an OpenAI-compatible server instead (the sidecar, or the chat_url setting). The text streams token by token as the model writes it.',
  'playground.role-user': 'You',
  'playground.role-assistant': 'Assistant',
  'playground.figures': (p) => `${plural(p.tokens ?? 0, 'token', 'tokens')} · first token after ${p.ttftMs ?? '…'} ms · ${p.tokensPerS ?? '…'} tokens/s`,
  'playground.ready-generate': 'Ready: write a prompt and press Generate.',
  'playground.ready-chat': 'Ready: write a message and press Send.',
  'playground.ready-compare': 'Ready: write a prompt and press Generate to compare the models.',
  'playground.starting': 'Starting…',
  'playground.stage-generation-model': 'Loading the model {model}…',
  'playground.stage-generating': 'Generating with {model} ({dtype})…',
  'playground.stopping': 'Stopping…',
  'playground.stopped': (p) => `Stopped after ${plural(p.tokens ?? 0, 'token', 'tokens')}: the text so far is kept.`,
  'playground.done': (p) => `Done: ${plural(p.tokens ?? 0, 'token', 'tokens')}, first after ${p.ttftMs ?? '…'} ms, ${p.tokensPerS ?? '…'} tokens/s.`,
  'playground.some-failed': (p) => `${plural(p.failed, 'model', 'models')} failed: ${p.first}`,
  'playground.reset': 'New conversation: the history is cleared.',
  'playground.empty-prompt': 'The prompt is empty: write something for the model to continue or answer.',
  'playground.empty-message': 'The message is empty: write something to send.',
  'playground.no-models': 'Choose at least one model to compare (the compare_models setting).',
  'playground.webgpu-missing': (p) => `${p.models} is offered only where the browser has WebGPU: it is too large to run on WebAssembly (wasm), and this browser gives no WebGPU adapter.${p.server ? ` On the server it runs without WebGPU: ${p.server}.` : ''}`,
  'playground.regenerate': 'Regenerate',
  'playground.copy': 'Copy',
  'playground.copied': 'Copied.',
  'playground.copy-failed': 'This browser did not allow copying: select the text and copy it yourself.',
  'playground.edit': 'Edit',
  'playground.editing': 'Editing your message: Send replaces it and drops the turns after it.',
  'playground.restored': 'Your conversation from before is back; Reset starts a new one.',
  'playground.ran-browser': 'in the browser',
  'playground.ran-server': 'on the server ({address})',
  'playground.stage-server': 'Asking the server {address} to answer with {model}…',

  'error.empty-prompt': (p) => (p.what === 'message' ? 'The message is empty: write something to send.' : 'The prompt is empty: write something for the model to continue or answer.'),
  'error.no-chat-template': (p) => `The model “${p.model}” has no chat template, so it cannot hold a conversation. Choose an instruct (chat) model, such as onnx-community/Qwen2.5-0.5B-Instruct, or use this one in the generate or compare mode.`,
  'error.not-a-text-model': (p) => `The model “${p.model}” is not a text-generation or text2text-generation model${p.kind ? ` (it is a ${p.kind} model)` : ''}, so it cannot write text from a prompt. Choose a model such as HuggingFaceTB/SmolLM2-135M-Instruct or Xenova/flan-t5-small.`,
  'error.no-onnx-weights': (p) => `The model “${p.model}” has no ONNX weights this page can run${p.shipped ? ` (it ships ${p.shipped})` : ''}. Choose a model converted for Transformers.js (with an onnx/ folder).`,
  'error.out-of-memory': (p) => `The model “${p.model}” ran out of memory while generating. Ask for fewer tokens (max_new_tokens), start a new chat (Reset), close other tabs, or choose a smaller model or dtype (q8, q4).`,
  'error.generation-failed': (p) => `The model “${p.model}” failed while generating. Try again, or try another model; the browser console has the details.`,
  'error.needs-webgpu': (p) => `The model “${p.model}” runs only on WebGPU, and this browser cannot give it: ${p.why === 'webgpu-after-reload' ? 'WebGPU takes effect after a page reload' : 'it has no WebGPU adapter'}. Choose another model, or reload the page (or use a browser with WebGPU).`,
  'error.no-model': 'Choose a model: the model field is empty and this mode has no default.',
  'error.bad-history': 'The page sent the worker a conversation it could not read. Press Reset to start a new one.',
  'error.no-compare-models': 'Choose at least one model to compare (the compare_models setting).',
  // The playground's server models (ui/openai-chat.js): the address, and the server's own words.
  'error.server-unreachable': (p) => `Nothing answered at ${p.address}: the chat server is not running, the address is wrong, or it does not accept requests from this page (CORS). Start the server (\`make run\` starts the sidecar), or set the chat_url setting to its address.`,
  'error.server-no-address': 'No server is set for models written server:…: set the chat_url setting to an OpenAI-compatible server (or the tts setting to the sidecar).',
  'error.server-key': (p) => `The server at ${p.address} refused the request: it asks for an API key, or refused the one given. Set the ${p.setting} setting to your key.${said(p)}`,
  'error.server-no-model': (p) => `The server at ${p.address} has no model “${p.model}” (or no /v1/chat/completions route). Write a model it serves after server:, or check the address.${said(p)}`,
  'error.server-busy': (p) => `The server at ${p.address} is busy with other answers${p.retryAfter ? `; try again in ${plural(p.retryAfter, 'second', 'seconds')}` : '; try again shortly'}.${said(p)}`,
  'error.server-refused': (p) => `The server at ${p.address} refused this request (for example too many max_new_tokens for it).${said(p)}`,
  'error.server-unavailable': (p) => `The server at ${p.address} cannot run this model now (it could not load it, or has no memory left).${said(p)}`,
  'error.server-failed': (p) => `The server at ${p.address} failed while answering${p.status && p.status !== 200 ? ` (HTTP ${p.status})` : ''}. Try again, or try another model.${said(p)}`,
  'error.server-garbled': (p) => `The answer from ${p.address} was not an OpenAI-compatible chat stream: is this address really an OpenAI-compatible server (its base URL, often ending in /v1)?`,
  'error.server-cut': (p) => `The answer from ${p.address} stopped before it was complete (the connection was cut). Try again.`,
};
