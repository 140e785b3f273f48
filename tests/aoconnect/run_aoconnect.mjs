// Drives the real @permaweb/aoconnect 0.0.98 against an aocore node (tests/test_aoconnect.py).
//
//   node run_aoconnect.mjs <mainnet|legacy> <config.json>
//
// config: {url, module, scheduler, execution_device, wallet?}. Prints one JSON object with what
// each call returned and `requests`: every URL the client fetched. The test copies this script
// next to the installed node_modules (ESM resolves packages from the script's folder).
//
// Nothing may leave loopback: fetch is wrapped before aoconnect is imported. The scheduler-router
// fetch that @permaweb/ao-scheduler-utils hard-codes is answered here with a 404, anything else
// that is not 127.0.0.1 fails the run.
import { readFileSync } from 'node:fs'

const [mode, configPath] = process.argv.slice(2)
const config = JSON.parse(readFileSync(configPath, 'utf8'))
const requests = []
const realFetch = globalThis.fetch
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input.url ?? String(input))
  requests.push(`${init?.method ?? 'GET'} ${url.href}`)
  if (url.hostname === 'su-router.ao-testnet.xyz') return new Response('not here', { status: 404 })
  if (url.hostname !== '127.0.0.1') throw new Error(`refused to fetch beyond loopback: ${url.href}`)
  return realFetch(input, init)
}
// The legacy top-level exports read these when aoconnect is imported.
for (const name of ['MU_URL', 'CU_URL', 'GATEWAY_URL']) process.env[name] = config.url
process.env.GRAPHQL_URL = `${config.url}/graphql`

const aoconnect = await import('@permaweb/aoconnect')
const { default: Arweave } = await import('arweave')
const arbundles = await import('@dha-team/arbundles')

const arweave = Arweave.init({ host: '127.0.0.1', port: 1, protocol: 'http' })
const jwk = config.wallet ?? await arweave.wallets.generate()
const owner = await arweave.wallets.jwkToAddress(jwk)
const tag = (name, value) => ({ name, value })
const out = { owner }

async function mainnet () {
  const ao = aoconnect.connect({ MODE: 'mainnet', URL: config.url, signer: aoconnect.createSigner(jwk) })
  const spawnTags = (name) => [tag('execution-device', config.execution_device), tag('Name', name)]
  out.pidB = await ao.spawn({ module: config.module, tags: spawnTags('b') })
  out.pidA = await ao.spawn({ module: config.module, tags: spawnTags('a'), data: 'process a' })
  out.slot = await ao.message({
    process: out.pidA, data: 'hello', tags: [tag('Action', 'Echo'), tag('Forward-To', out.pidB)]
  })
  out.result = await ao.result({ process: out.pidA, slot: out.slot })
  const second = await ao.message({
    process: out.pidA, data: 'again', tags: [tag('Action', 'Echo')], returnMessageId: true, returnAssignmentSlot: true
  })
  out.second = second
  out.resultById = await ao.result({ process: out.pidA, message: second.id })
  out.resultsB = await ao.results({ process: out.pidB })
  out.dryrun = await ao.dryrun({ process: out.pidA, data: 'dry', tags: [tag('Action', 'Echo'), tag('Note', 'a b')] })
  out.resultsA = await ao.results({ process: out.pidA })
}

// Only spawn and message (mainnet mode): for a node whose execution device writes no CU results.
async function spawnAndMessage () {
  const ao = aoconnect.connect({ MODE: 'mainnet', URL: config.url, signer: aoconnect.createSigner(jwk) })
  out.pidA = await ao.spawn({ module: config.module, tags: [tag('execution-device', config.execution_device)] })
  out.slot = await ao.message({ process: out.pidA, data: 'hello', tags: [tag('Action', 'Echo')] })
}

async function legacy () {
  const signer = aoconnect.createDataItemSigner(jwk)
  const spawnTags = (name) => [tag('Execution-Device', config.execution_device), tag('Name', name)]
  // b names no execution device: the node's default_execution_device option runs it.
  out.pidB = await aoconnect.spawn({ module: config.module, scheduler: config.scheduler, signer, tags: [tag('Name', 'b')] })
  out.pidA = await aoconnect.spawn({
    module: config.module, scheduler: config.scheduler, signer, tags: spawnTags('a'), data: 'process a'
  })
  out.messageId = await aoconnect.message({
    process: out.pidA, signer, data: 'hello', tags: [tag('Action', 'Echo'), tag('Forward-To', out.pidB)]
  })
  out.result = await aoconnect.result({ process: out.pidA, message: out.messageId })
  out.resultsB = await aoconnect.results({ process: out.pidB, sort: 'ASC' })
  out.resultsAPage = await aoconnect.results({ process: out.pidA, from: '0', limit: 1 })
  out.dryrun = await aoconnect.dryrun({ process: out.pidA, data: 'dry', tags: [tag('Action', 'Echo')] })
  // An item made and signed by arbundles itself, posted as aoconnect's MU client posts it.
  const item = arbundles.createData('by arbundles', new arbundles.ArweaveSigner(jwk), {
    target: out.pidA, tags: [tag('Action', 'Echo'), tag('Data-Protocol', 'ao'), tag('Type', 'Message')]
  })
  await item.sign(new arbundles.ArweaveSigner(jwk))
  const res = await fetch(`${config.url}/`, {
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: item.getRaw()
  })
  out.arbundles = { status: res.status, body: await res.json(), id: item.id }
  out.arbundlesResult = await aoconnect.result({ process: out.pidA, message: item.id })
  out.monitor = await aoconnect.monitor({ process: out.pidB, signer })
  out.monitored = true
  out.unmonitor = await aoconnect.unmonitor({ process: out.pidB, signer })
  out.withSlot = await aoconnect.message({
    process: out.pidA, signer, data: 'slot please', tags: [tag('Action', 'Echo')], returnAssignmentSlot: true, returnMessageId: true
  })
  // The gateway's answer to aoconnect's module look-up (GraphQL), and the scheduler's reads.
  out.timestamp = await (await fetch(`${config.url}/timestamp`)).json()
  out.schedule = await (await fetch(`${config.url}/${out.pidA}?from=0&to=2`)).json()
}

// AOS processes (genesis-wasm@1.0): an Eval that adds a handler to a, a message b sends a (push
// delivers it; a's handler replies to b, and push delivers the reply), then dry runs on a that
// must leave it as it was. config.module is an AOS module the node knows.
const PING_HANDLER = 'Handlers.add("Ping", "Ping", function (msg) msg.reply({ Data = "pong:" .. msg.Data }) end) ' +
  'Counter = 0 return ao.id .. "|" .. Owner .. "|" .. ao.env.Module.Id'
const sendPing = (pid) => `Send({ Target = "${pid}", Action = "Ping", Data = "hi" }) return "sent"`
const LAST_INBOX = 'return Inbox[#Inbox].Data .. "|" .. Inbox[#Inbox].From'
// What the module was given for the last message no handler took (AOS keeps it in Inbox).
const INBOX_FIELDS = 'local m = Inbox[#Inbox] return require("json").encode({ Id = m.Id, Owner = m.Owner, ' +
  'From = m.From, Target = m.Target, Data = m.Data, Tags = m.TagArray, Nonce = m.Nonce })'
const NOTE_TAGS = [tag('Action', 'Note'), tag('X-Ref', '7'), tag('lower-case', 'kept')]

async function aosMainnet () {
  const ao = aoconnect.connect({ MODE: 'mainnet', URL: config.url, signer: aoconnect.createSigner(jwk) })
  const evalOn = async (process, code) => {
    const slot = await ao.message({ process, data: code, tags: [tag('Action', 'Eval')] })
    return { slot, result: await ao.result({ process, slot }) }
  }
  // No execution-device tag: aoconnect's own genesis-wasm@1.0 runs them.
  out.pidA = await ao.spawn({ module: config.module, tags: [tag('Name', 'a')] })
  out.pidB = await ao.spawn({ module: config.module, tags: [tag('Name', 'b')] })
  out.evalA = await evalOn(out.pidA, PING_HANDLER)
  out.sendB = await evalOn(out.pidB, sendPing(out.pidA))
  out.resultsA = await ao.results({ process: out.pidA })
  out.inboxB = await evalOn(out.pidB, LAST_INBOX)
  out.dryEval = await ao.dryrun({ process: out.pidA, data: 'Counter = Counter + 41 return Counter', tags: [tag('Action', 'Eval')] })
  out.dryPing = await ao.dryrun({ process: out.pidA, data: 'dry', tags: [tag('Action', 'Ping')] })
  out.afterDry = await evalOn(out.pidA, 'return Counter')
  out.noteSlot = await ao.message({ process: out.pidA, data: 'a note', tags: NOTE_TAGS })
  out.inboxA = await evalOn(out.pidA, INBOX_FIELDS)
}

// An AOS process that spawns a child (push@1.0 spawns it and tells the parent with Action:
// Spawned, which the onReply handler takes).
async function aosSpawn () {
  const ao = aoconnect.connect({ MODE: 'mainnet', URL: config.url, signer: aoconnect.createSigner(jwk) })
  const evalOn = async (process, code) => {
    const slot = await ao.message({ process, data: code, tags: [tag('Action', 'Eval')] })
    return { slot, result: await ao.result({ process, slot }) }
  }
  out.pid = await ao.spawn({ module: config.module, tags: [tag('Name', 'parent')] })
  out.spawn = await evalOn(out.pid,
    "ao.spawn(ao.env.Module.Id, {Name = 'kid'}).onReply(function(m) Kid = m.Process end) return 'asked'")
  out.kid = await evalOn(out.pid, 'return Kid')
}

async function aosLegacy () {
  const signer = aoconnect.createDataItemSigner(jwk)
  const evalOn = async (process, code) => {
    const id = await aoconnect.message({ process, signer, data: code, tags: [tag('Action', 'Eval')] })
    return { id, result: await aoconnect.result({ process, message: id }) }
  }
  // No device tags: the node's default_execution_device (genesis-wasm@1.0) runs them. The node
  // is their Authority, so a's handler trusts what push delivers from b.
  const spawnTags = (name) => [tag('Name', name), tag('Authority', config.scheduler)]
  out.pidA = await aoconnect.spawn({ module: config.module, scheduler: config.scheduler, signer, tags: spawnTags('a') })
  out.pidB = await aoconnect.spawn({ module: config.module, scheduler: config.scheduler, signer, tags: spawnTags('b') })
  out.evalA = await evalOn(out.pidA, PING_HANDLER)
  out.sendB = await evalOn(out.pidB, sendPing(out.pidA))
  out.resultsA = await aoconnect.results({ process: out.pidA, sort: 'DESC', limit: 1 })
  out.inboxB = await evalOn(out.pidB, LAST_INBOX)
  // A dry run is unsigned: its Owner is what the client says (the process owner, so Eval runs).
  out.dryEval = await aoconnect.dryrun({
    process: out.pidA, Owner: owner, data: 'Counter = Counter + 41 return Counter', tags: [tag('Action', 'Eval')]
  })
  out.dryPing = await aoconnect.dryrun({ process: out.pidA, data: 'dry', tags: [tag('Action', 'Ping')] })
  out.afterDry = await evalOn(out.pidA, 'return Counter')
  out.noteId = await aoconnect.message({ process: out.pidA, signer, data: 'a note', tags: NOTE_TAGS })
  out.inboxA = await evalOn(out.pidA, INBOX_FIELDS)
}

try {
  if (mode === 'mainnet') await mainnet()
  else if (mode === 'aos-mainnet') await aosMainnet()
  else if (mode === 'aos-legacy') await aosLegacy()
  else if (mode === 'aos-spawn') await aosSpawn()
  else if (mode === 'legacy') await legacy()
  else if (mode === 'spawn-message') await spawnAndMessage()
  else throw new Error(`unknown mode ${mode}`)
} catch (e) {
  out.error = String(e?.stack ?? e)
}
out.requests = requests
process.stdout.write(JSON.stringify(out))
