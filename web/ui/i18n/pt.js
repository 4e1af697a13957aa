// As palavras da página em português do Brasil: as mesmas chaves de ui/i18n/en.js.

const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;
const said = (p) => (p.said ? ` O servidor disse: “${p.said}”.` : '');
const theModel = (p) => `O modelo de ${{ captioning: 'legenda', generation: 'geração de texto' }[p.role] || 'tradução'} “${p.model}”`;
const selfHost = (p) => `Para hospedá-lo aqui, rode \`make models\` (ou copie os arquivos do modelo para models/${p.model}/ antes de \`make site\`) e aponte a configuração \`models\` para onde eles são servidos.`;
const what = (p) => (p.weights ? `os pesos ${p.dtype} (${p.file}) não estão` : `o arquivo ${p.file} não está`);
const check = (p) => (p.weights ? 'Confira o id do modelo ou tente outro dtype (q8 e fp32 são os mais comuns). ' : 'Confira o id do modelo. ');
const source = (p) => {
  if (p.source === 'address') return `O endereço ${p.name}`;
  return p.name ? `O arquivo “${p.name}”` : 'O arquivo escolhido';
};
const kept = (value) => (value === '' ? 'nada' : /^-?[\d.]+$/.test(value) ? value : `“${value}”`);

function accepts(a) {
  switch (a.kind) {
    case 'choice': return `precisa ser um destes: ${a.choices.join(', ')}`;
    case 'int': return `precisa ser um número inteiro de ${a.min} a ${a.max}`;
    case 'float': return `precisa ser um número ${a.min_open ? 'acima de' : 'de'} ${a.min} a ${a.max}`;
    case 'flag': return 'precisa ser 0 ou 1';
    case 'model': return 'precisa ser o id de um modelo, como Xenova/vit-gpt2-image-captioning';
    case 'models': return 'precisa ser ids de modelos separados por vírgulas, como Xenova/flan-t5-small,HuggingFaceTB/SmolLM2-135M-Instruct';
    case 'path': return 'precisa ser um caminho neste site, como models/ ou /models/';
    case 'url': return 'precisa ser um endereço http:// ou https://, ou vazio para desligar a voz';
    case 'voice': return 'precisa ser o nome de uma voz, como v2/pt_speaker_0';
    case 'password': return 'precisa ser uma chave de caracteres visíveis, sem espaços';
    default: return 'precisa ser texto';
  }
}

export default {
  empty: '',
  'page.title': 'Legenda: descreva, traduza e ouça uma imagem',
  'page.description': 'Descreva uma imagem, traduza a legenda e ouça: Python e modelos de IA rodando no seu navegador.',
  'page.skip': 'Pular para o formulário da imagem',
  'page.tagline': 'Gere a legenda de uma foto em inglês, traduza e ouça. Os modelos rodam no seu navegador.',
  'page.ui-lang': 'Idioma da página',
  'page.input-heading': '1. Escolha uma imagem',
  'page.drop-hint': 'Solte imagens aqui ou cole-as',
  'page.choose-files': 'Escolher arquivos…',
  'page.url-label': '…ou o endereço de uma imagem',
  'page.samples': '…ou uma foto de exemplo',
  'page.lang': 'Traduzir para',
  'page.lang-loading': 'Carregando idiomas…',
  'page.generate': 'Gerar',
  'page.output-heading': '2. Legenda e tradução',
  'page.english': 'Inglês',
  'page.results': 'Resultados',
  'page.clear': 'Limpar',
  'page.settings': 'Configurações',
  'page.footer': 'O Legenda roda Python (Pyodide) e Transformers.js no seu navegador; a voz vem de um pequeno servidor auxiliar. Fotos de exemplo: scikit-image, de uso livre.',

  'stage.starting': 'Iniciando o Python no seu navegador…',
  'stage.runtime': (p) => (p.part === 'transformers' ? 'Carregando o Transformers.js…' : 'Carregando o ambiente Python…'),
  'stage.model': (p) => `Carregando o modelo de ${p.role === 'captioning' ? 'legenda' : 'tradução'} (${p.model}, ${p.dtype}${p.webgpu ? ', WebGPU' : ''})…`,
  'stage.captioning': (p) => {
    if (p.total === 1) return 'Gerando a legenda…';
    if (p.first === p.last) return `Gerando a legenda da imagem ${p.last} de ${p.total}…`;
    return `Gerando as legendas das imagens ${p.first}–${p.last} de ${p.total}…`;
  },
  'stage.translating': 'Traduzindo para {name}…',
  'stage.ready': 'Pronto: escolha uma imagem ou cole o endereço dela.',

  'status.working': (p) => (p.count > 1 ? `Trabalhando em ${p.count} imagens…` : 'Trabalhando na sua imagem…'),
  'status.done': (p) => (p.total > 1 ? `Pronto: ${p.total} imagens com legenda e tradução.` : 'Pronto: a legenda e a tradução estão abaixo.'),
  'status.all-failed': (p) => `${p.first || 'Nenhuma legenda voltou. Tente de novo com outra imagem.'}${p.others > 0 ? ` (${plural(p.others, 'outra imagem também falhou', 'outras imagens também falharam')}.)` : ''}`,
  'status.some-failed': (p) => `${p.succeeded} de ${p.total} imagens com legenda. ${plural(p.failed, 'imagem falhou', 'imagens falharam')}: ${p.first}`,
  'status.lang-next': 'As traduções agora vão para {name}. Aperte Gerar para traduzir.',
  'status.translating-again': 'Traduzindo de novo para {name}…',
  'status.press-generate': 'Aperte Gerar para criar a legenda da nova imagem.',
  'status.cleared': 'Resultados apagados.',
  'status.setting-problems': '{problems} Corrija o endereço ou as configurações, ou continue com estas.',

  'notice.no-webgpu': 'Este navegador não tem WebGPU, então os modelos rodam em WebAssembly (wasm).',
  'notice.dtype-fallback': (p) => `O modelo “${p.model}” não tem pesos ${p.wanted}, então são usados os pesos ${p.dtype} (ele traz ${p.shipped}).`,
  'notice.webgpu-after-reload': 'A WebGPU passa a valer depois de recarregar a página; até lá os modelos rodam em WebAssembly (wasm).',

  'error.bad-setting': (p) => `A configuração ${p.setting} ${accepts(p.accepts)} (veio “${p.value}”); usando ${kept(p.kept)} no lugar.`,
  'error.model-missing-local': (p) => `${theModel(p)} não foi encontrado: ${what(p)} em ${p.where} neste site, e os modelos remotos estão desligados (remote_models=0). ${check(p)}${selfHost(p)} Ou permita modelos remotos (remote_models=1) para baixá-lo do Hugging Face hub.`,
  'error.model-missing': (p) => `${theModel(p)} não pôde ser carregado: ${what(p)} em ${p.where} neste site nem no Hugging Face hub, ou o download falhou. ${check(p)}${selfHost(p)}`,
  'error.model-webgpu': (p) => `${theModel(p)} não conseguiu iniciar na WebGPU deste navegador. Escolha o dispositivo wasm (device=wasm) e tente de novo.`,
  'error.no-backend': 'O ONNX Runtime, que roda os modelos, não conseguiu iniciar: os arquivos dele neste site (vendor/ort/) estão faltando ou danificados. Recarregue a página; se você hospeda o site, gere-o de novo com `make site`.',
  'error.model-offline': (p) => `${theModel(p)} não pôde ser baixado: o Hugging Face hub não respondeu (você está sem conexão?) e ele não está em ${p.where} neste site. Confira sua conexão. ${selfHost(p)}`,
  'error.model-broken': (p) => `${theModel(p)} não pôde ser carregado: os arquivos podem estar danificados ou ser de um tipo que esta página não roda. Tente outro modelo ou dtype; o console do navegador tem os detalhes.`,
  'error.inference-failed': (p) => `${theModel(p)} falhou ao trabalhar nesta imagem. Tente de novo, ou tente outra imagem ou modelo; o console do navegador tem os detalhes.`,
  'error.language-not-in-model': (p) => `O modelo de tradução “${p.model}” não traduz para ${p.name}${p.languages ? `: ele traduz para ${p.languages}` : ''}. Escolha ${p.languages ? 'um desses idiomas ou ' : ''}o modelo de tradução padrão, ${p.suggested} (translation_model=${p.suggested}).`,
  'error.empty-output': (p) => `${theModel(p)} não gerou texto para esta imagem. Tente outra imagem ou outras configurações de geração (por exemplo, mais max_new_tokens).`,
  'error.image-unreachable': (p) => {
    const why = { missing: 'ela não existe lá', timeout: 'o servidor não respondeu a tempo, ou não deixa outros sites lerem as imagens dele (CORS)' }[p.reason] || `o servidor respondeu ${p.status}`;
    return `A imagem em ${p.url} não pôde ser carregada: ${why}. Confira o endereço, ou salve a imagem e escolha-a como arquivo.`;
  },
  'error.bad-image-url': '“{url}” não é o endereço de uma imagem na web. Cole um endereço que comece com http:// ou https://, ou escolha um arquivo.',
  'error.not-an-image': (p) => `${source(p)} não é uma imagem (é ${p.type || 'de um tipo desconhecido'}). Use um link direto para uma imagem JPEG, PNG, WebP ou GIF, ou escolha um arquivo de imagem.`,
  'error.undecodable-image': (p) => `${source(p)} não pôde ser lido como imagem: pode estar danificado ou num formato que este navegador não decodifica. Tente uma imagem JPEG, PNG, WebP ou GIF.`,
  'error.unexpected': (p) => `Algo deu errado ao ${{ start: 'iniciar o ambiente da página', generation: 'gerar o texto' }[p.what] || 'trabalhar nesta imagem'}. Recarregue a página e tente de novo; o console do navegador tem os detalhes.`,
  'error.no-answer': 'Nenhuma legenda voltou para esta imagem. Tente de novo.',
  'error.no-wasm': 'Este navegador não roda WebAssembly, que a página usa para rodar os modelos. Use um Chrome, Edge, Firefox ou Safari recente, com WebAssembly ativado.',
  'error.missing-file': 'Um arquivo de que a página precisa ({url}) não pôde ser carregado. Recarregue a página; se você hospeda o site, gere-o de novo com `make site`.',
  'error.no-python': 'O ambiente Python não conseguiu iniciar neste navegador. Recarregue a página, ou tente um Chrome, Edge ou Firefox recente; o console do navegador tem os detalhes.',
  'error.worker-stopped': 'A parte da página que roda os modelos parou de funcionar. Recarregue a página para iniciá-la de novo.',
  'error.worker-no-start': 'A parte da página que roda os modelos não conseguiu iniciar: um dos arquivos do site está faltando ou danificado. Recarregue a página; se você hospeda o site, gere-o de novo com `make site`.',
  'error.worker-garbled': 'A página e o executor dos modelos não se entenderam. Recarregue a página.',
  'error.settings-file': 'A página não conseguiu ler os arquivos de configuração (settings-schema.json, config.json). Recarregue a página; se continuar acontecendo, o site não foi gerado por completo.',
  'error.runtime-failed': 'O ambiente da página parou de funcionar. Recarregue a página.',

  'results.translation': 'Tradução',
  'results.empty-preview': 'Sua imagem aparece aqui.',
  'results.cannot-show': 'Esta imagem não pode ser exibida.',
  'results.waiting': (p) => (p.count > 1 ? `Aguardando (imagem ${p.position} de ${p.count})…` : 'Aguardando…'),
  'results.copy': 'Copiar',
  'results.copied': 'Copiado',
  'results.selected': 'Selecionado: aperte Ctrl+C',
  'results.copy-label': (p) => `Copiar a legenda e a tradução de ${p.name || 'a imagem colada'}`,
  'results.show': 'Mostrar acima',
  'results.show-label': (p) => `Mostrar ${p.name || 'a imagem colada'} acima`,

  'sources.chosen': (p) => (p.count === 1 ? `Escolhida: ${p.name || 'uma imagem colada'}` : `Escolhidas: ${p.count} imagens`),
  'sources.none': 'Primeiro dê uma imagem: escolha ou solte um arquivo, cole uma imagem, digite o endereço dela ou escolha uma foto de exemplo.',
  'sources.not-a-link': 'Esse endereço não é um link da web. Digite um endereço que comece com http:// ou https://, ou escolha um arquivo.',

  'samples.title': (p) => `Gerar a legenda da foto de exemplo: ${p.label.toLowerCase()}`,
  'samples.cat': 'Um gato',
  'samples.coffee': 'Uma xícara de café',
  'samples.astronaut': 'Um astronauta',
  'samples.rocket': 'Um lançamento de foguete',

  'downloads.title': 'Arquivos dos modelos',
  'downloads.bar-label': 'Download de {file} ({model})',
  'downloads.downloading': 'Baixando os arquivos dos modelos: {ready} de {files} prontos',
  'downloads.summary': (p) => `Arquivos dos modelos: ${plural(p.files, 'arquivo', 'arquivos')} de ${plural(p.models, 'modelo', 'modelos')}${p.bytes ? `, ${p.bytes}` : ''}`,

  'cache.heading': 'Modelos neste navegador',
  'cache.refresh': 'Atualizar',
  'cache.clear': 'Apagar modelos…',
  'cache.confirm-yes': 'Sim, apagar',
  'cache.confirm-no': 'Cancelar',
  'cache.unsupported': 'Este navegador não oferece Cache Storage aqui (a página precisa de https ou localhost), então os modelos não ficam guardados entre as visitas.',
  'cache.source.site': 'deste site',
  'cache.source.hub': 'do Hugging Face hub',
  'cache.source.runtime': 'o motor que roda os modelos',
  'cache.source.other': 'outros arquivos',
  'cache.files': (p) => plural(p.count, 'arquivo', 'arquivos'),
  'cache.summary': (p) => `${plural(p.count, 'modelo guardado', 'modelos guardados')}${p.engine ? ' e o motor ONNX Runtime' : ''}, ${p.total} no total.`,
  'cache.empty': 'Nenhum modelo está guardado neste navegador ainda: eles ficam aqui na primeira vez em que são usados.',
  'cache.read-failed': 'A lista de modelos guardados não pôde ser lida: o navegador negou acesso ao armazenamento. Recarregue a página e tente de novo.',
  'cache.confirm': 'Apagar tudo o que está listado ({total}) deste navegador? Será baixado de novo na próxima vez em que for preciso.',
  'cache.delete-failed': 'Os modelos guardados não puderam ser apagados: o navegador recusou. Tente de novo, ou apague os dados do site nas configurações do navegador.',

  'settings.apply': 'Aplicar',
  'settings.reset': 'Voltar ao padrão',
  'settings.copy-link': 'Copiar link',
  'settings.link-label': 'Link para esta página com estas configurações',
  'settings.not-here': '{option} (não disponível neste navegador)',
  'settings.starting': 'A página ainda está iniciando; tente de novo em instantes.',
  'settings.nothing-changed': 'Nada mudou.',
  'settings.applying': 'Aplicando…',
  'settings.applied': 'Configurações aplicadas e salvas neste navegador. Os modelos recarregam na próxima vez em que forem usados.',
  'settings.no-service-worker': 'O isolamento entre origens precisa de service workers, que este navegador não oferece aqui (a página precisa estar em https ou localhost).',
  'settings.isolation-on': 'Ligando o isolamento entre origens: a página recarrega uma vez.',
  'settings.isolation-off': 'Desligando o isolamento entre origens: a página recarrega.',
  'settings.reset-done': 'De volta às configurações padrão; nada mais fica salvo neste navegador.',
  'settings.link-copied': 'Link copiado: abri-lo aplica estas configurações.',
  'settings.link-select': 'Copie o link acima (Ctrl+C): abri-lo aplica estas configurações.',

  'speech.panel': 'Voz',
  'speech.voice': 'Voz',
  'speech.retry': 'Tentar de novo',
  'speech.progress-label': 'Progresso da síntese de voz',
  'speech.server-default': 'Padrão do servidor',
  'speech.server-default-lower': 'padrão do servidor',
  'speech.engine': 'Motor: {engine} · voz: {voice}',
  'speech.no-voice': 'O servidor de voz ({engine}) não tem voz para {name}: escolha outro idioma para ouvir as traduções.',
  'speech.off': 'A voz está desligada: a configuração “tts” está vazia. Coloque nela o endereço do servidor de voz (por exemplo http://127.0.0.1:5000) para ouvir as traduções.',
  'speech.loading': 'O servidor de voz ainda está carregando o modelo ({model}); a primeira tradução pode demorar mais para ser falada.',
  'speech.ready': 'A voz está pronta: as traduções são lidas em voz alta.',
  'speech.unavailable': 'A voz não está disponível: {why}.',
  'speech.how-to-start': 'As legendas e traduções continuam funcionando. Para ouvi-las, inicie o servidor de voz com `make run` (ou `python -m tts_server --port 5000`), ou coloque o endereço dele na configuração “tts”, e aperte Tentar de novo.',
  'speech.fix-server': 'As legendas e traduções continuam funcionando. Conserte o servidor de voz e aperte Tentar de novo.',
  'speech.no-speech': 'Sem voz: {why}.',
  'speech.asking': 'Pedindo ao servidor de voz que leia a tradução…',
  'speech.synthesizing': 'Sintetizando a voz… {percent}%',
  'speech.waiting': (p) => (p.place ? `Aguardando o servidor de voz: ${p.place}º na fila…` : 'Aguardando o servidor de voz…'),
  'speech.could-not': 'Esta tradução não pôde ser falada.',
  'speech.server-could-not': 'O servidor de voz não conseguiu lê-la: {why}. As legendas e traduções continuam funcionando; aperte Tentar de novo.',
  'speech.playing': 'Tocando a tradução (falada em {took}).',
  'speech.press-play': 'A voz está pronta (falada em {took}): aperte play para ouvir.',
  'speech.why.unreachable': 'nada respondeu em {address} (o servidor de voz não está rodando, o endereço está errado, ou ele não aceita pedidos desta página)',
  'speech.why.server-said': (p) => `o servidor respondeu “${String(p.said || '').trim().replace(/[.!]+$/, '')}”`,
  'speech.why.http': 'ele respondeu HTTP {status} sem explicação',
  'speech.why.not-json': 'a resposta não era JSON: este endereço é mesmo o servidor de voz?',
  'speech.why.job-failed': 'o trabalho de voz falhou sem motivo',
  'speech.why.model-failed': (p) => `o modelo de voz dele não pôde ser carregado: ${p.said || 'sem motivo informado'}`,
  'speech.code.loading': 'ele ainda está carregando o modelo de voz; tente de novo em alguns segundos',
  'speech.code.queue-full': 'ele está ocupado com outros textos; tente de novo daqui a pouco',
  'speech.code.unknown-language': 'ele não tem voz para este idioma',
  'speech.code.unknown-voice': 'ele não conhece a voz escolhida',
  'speech.code.api-key-required': 'ele pede uma chave de API: coloque a sua na configuração “tts_key”',
  'speech.code.bad-api-key': 'ele recusou a chave de API da configuração “tts_key”',
  'speech.code.internal': 'ele teve um erro inesperado',
  'speech.why.unexpected': 'um problema inesperado',

  'playground.title': 'Playground do Legenda: geração de texto no seu navegador',
  'playground.description': 'Gere texto, converse em português e compare modelos: Python e modelos de IA rodando no seu navegador.',
  'playground.skip': 'Pular para o playground',
  'playground.tagline': 'Gere texto, converse em português e compare modelos. Os modelos rodam no seu navegador.',
  'playground.nav': 'Páginas',
  'playground.to-captioner': 'Legendas de imagens',
  'playground.to-playground': 'Playground de texto',
  'playground.heading': 'Playground',
  'playground.mode': 'Modo',
  'playground.mode-generate': 'Gerar texto',
  'playground.mode-chat': 'Chat',
  'playground.mode-compare': 'Comparar modelos',
  'playground.model': 'Modelo',
  'playground.compare-models': 'Modelos (separados por vírgula)',
  'playground.prompt': 'Prompt',
  'playground.prompt-placeholder': 'Era uma vez…',
  'playground.system': 'Prompt de sistema',
  'playground.message': 'Sua mensagem',
  'playground.message-placeholder': 'Escreva uma mensagem (Enter envia, Shift+Enter pula linha)',
  'playground.send': 'Enviar',
  'playground.stop': 'Parar',
  'playground.reset-chat': 'Recomeçar',
  'playground.params': 'Parâmetros de geração',
  'playground.footer': 'O playground roda Python (Pyodide) e Transformers.js no seu navegador, como a página de legendas; o texto aparece token a token enquanto o modelo escreve.',
  'playground.role-user': 'Você',
  'playground.role-assistant': 'Assistente',
  'playground.figures': (p) => `${plural(p.tokens ?? 0, 'token', 'tokens')} · primeiro token em ${p.ttftMs ?? '…'} ms · ${p.tokensPerS ?? '…'} tokens/s`,
  'playground.ready-generate': 'Pronto: escreva um prompt e clique em Gerar.',
  'playground.ready-chat': 'Pronto: escreva uma mensagem e clique em Enviar.',
  'playground.ready-compare': 'Pronto: escreva um prompt e clique em Gerar para comparar os modelos.',
  'playground.starting': 'Começando…',
  'playground.stage-generation-model': 'Carregando o modelo {model}…',
  'playground.stage-generating': 'Gerando com {model} ({dtype})…',
  'playground.stopping': 'Parando…',
  'playground.stopped': (p) => `Parado depois de ${plural(p.tokens ?? 0, 'token', 'tokens')}: o texto até aqui fica.`,
  'playground.done': (p) => `Pronto: ${plural(p.tokens ?? 0, 'token', 'tokens')}, o primeiro em ${p.ttftMs ?? '…'} ms, ${p.tokensPerS ?? '…'} tokens/s.`,
  'playground.some-failed': (p) => `${plural(p.failed, 'modelo falhou', 'modelos falharam')}: ${p.first}`,
  'playground.reset': 'Nova conversa: o histórico foi apagado.',
  'playground.empty-prompt': 'O prompt está vazio: escreva algo para o modelo continuar ou responder.',
  'playground.empty-message': 'A mensagem está vazia: escreva algo para enviar.',
  'playground.no-models': 'Escolha ao menos um modelo para comparar (a configuração compare_models).',
  'playground.webgpu-missing': (p) => `${p.models} só é oferecido onde o navegador tem WebGPU: é grande demais para rodar em WebAssembly (wasm), e este navegador não oferece um adaptador WebGPU.`,

  'error.empty-prompt': (p) => (p.what === 'message' ? 'A mensagem está vazia: escreva algo para enviar.' : 'O prompt está vazio: escreva algo para o modelo continuar ou responder.'),
  'error.no-chat-template': (p) => `O modelo “${p.model}” não tem um modelo de chat (chat template), então não consegue conversar. Escolha um modelo instruct (de chat), como onnx-community/Qwen2.5-0.5B-Instruct, ou use este no modo gerar ou comparar.`,
  'error.not-a-text-model': (p) => `O modelo “${p.model}” não é um modelo de geração de texto (text-generation) nem text2text-generation${p.kind ? ` (é um modelo ${p.kind})` : ''}, então não escreve texto a partir de um prompt. Escolha um modelo como HuggingFaceTB/SmolLM2-135M-Instruct ou Xenova/flan-t5-small.`,
  'error.no-onnx-weights': (p) => `O modelo “${p.model}” não tem pesos ONNX que esta página consiga rodar${p.shipped ? ` (ele traz ${p.shipped})` : ''}. Escolha um modelo convertido para Transformers.js (com uma pasta onnx/).`,
  'error.out-of-memory': (p) => `O modelo “${p.model}” ficou sem memória enquanto gerava. Peça menos tokens (max_new_tokens), comece uma nova conversa (Recomeçar), feche outras abas ou escolha um modelo ou dtype menor (q8, q4).`,
  'error.generation-failed': (p) => `O modelo “${p.model}” falhou enquanto gerava. Tente de novo ou tente outro modelo; o console do navegador tem os detalhes.`,
  'error.needs-webgpu': (p) => `O modelo “${p.model}” só roda em WebGPU, e este navegador não a oferece: ${p.why === 'webgpu-after-reload' ? 'a WebGPU passa a valer depois de recarregar a página' : 'ele não tem um adaptador WebGPU'}. Escolha outro modelo ou recarregue a página (ou use um navegador com WebGPU).`,
  'error.no-model': 'Escolha um modelo: o campo do modelo está vazio e este modo não tem um padrão.',
  'error.no-compare-models': 'Escolha ao menos um modelo para comparar (a configuração compare_models).',
  // Os modelos no servidor do playground (ui/openai-chat.js): o endereço e as palavras do servidor.
  'error.server-unreachable': (p) => `Nada respondeu em ${p.address}: o servidor de chat não está rodando, o endereço está errado ou ele não aceita pedidos desta página (CORS). Inicie o servidor (\`make run\` inicia o sidecar) ou ajuste a configuração chat_url para o endereço dele.`,
  'error.server-no-address': 'Não há servidor para os modelos escritos server:…: ajuste a configuração chat_url para um servidor compatível com a OpenAI (ou a configuração tts para o sidecar).',
  'error.server-key': (p) => `O servidor em ${p.address} recusou o pedido: ele pede uma chave de API ou recusou a informada. Ajuste a configuração ${p.setting} com a sua chave.${said(p)}`,
  'error.server-no-model': (p) => `O servidor em ${p.address} não tem o modelo “${p.model}” (ou não tem a rota /v1/chat/completions). Escreva depois de server: um modelo que ele sirva, ou confira o endereço.${said(p)}`,
  'error.server-busy': (p) => `O servidor em ${p.address} está ocupado com outras respostas${p.retryAfter ? `; tente de novo em ${plural(p.retryAfter, 'segundo', 'segundos')}` : '; tente de novo daqui a pouco'}.${said(p)}`,
  'error.server-refused': (p) => `O servidor em ${p.address} recusou este pedido (por exemplo, max_new_tokens demais para ele).${said(p)}`,
  'error.server-unavailable': (p) => `O servidor em ${p.address} não consegue rodar este modelo agora (não conseguiu carregá-lo ou está sem memória).${said(p)}`,
  'error.server-failed': (p) => `O servidor em ${p.address} falhou ao responder${p.status && p.status !== 200 ? ` (HTTP ${p.status})` : ''}. Tente de novo ou tente outro modelo.${said(p)}`,
  'error.server-garbled': (p) => `A resposta de ${p.address} não era um stream de chat compatível com a OpenAI: este endereço é mesmo de um servidor compatível com a OpenAI (a URL base, que muitas vezes termina em /v1)?`,
  'error.server-cut': (p) => `A resposta de ${p.address} parou antes de terminar (a conexão caiu). Tente de novo.`,
};
